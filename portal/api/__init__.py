"""The API's foundation, shared by every app's ``api/`` package: the one error shape, the
pagination (page numbers for people, a cursor for clients that synchronise), throttling,
conditional GET on detail endpoints, the base viewset and filterset, token
authentication, the OpenAPI schema and its documentation page."""
