"""The applicant's dashboard. (Being built.)"""

from django.http import Http404


def dashboard(request):
    raise Http404
