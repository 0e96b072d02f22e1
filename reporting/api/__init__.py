"""The API of reporting: the public list of operations; the projects, progress reports and
generated documents an account reads on the pages."""
