"""URLs of the exports: the public list of operations. Included by ``reporting.urls``."""

urlpatterns: list = []
