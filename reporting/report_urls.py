"""URLs of the progress reports' pages (filing, partners' expenditure, the officer's
acceptance). Included by ``reporting.urls``."""

urlpatterns: list = []
