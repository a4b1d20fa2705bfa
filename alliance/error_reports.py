"""What an error report (the administrators' e-mail, the log) may say about a request.

Django's safe filter hides only the POST fields a view marks sensitive. In Alliance almost every
form carries clinical content (a goal in the client's words, a rupture note, a reflection, item
answers), so the filter is the other way round: every POST field is hidden, on every view, and no
new view can forget it. The field names stay, which is enough to debug.
"""

from django.http import HttpRequest, QueryDict
from django.views.debug import SafeExceptionReporterFilter


class NoClinicalDataFilter(SafeExceptionReporterFilter):
    """Hides every POST value from error reports (while ``DEBUG`` is off, as Django's does)."""

    def get_post_parameters(self, request: HttpRequest | None) -> QueryDict | dict[str, str]:
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        hidden = request.POST.copy()
        for name in hidden:
            hidden[name] = self.cleansed_substitute
        return hidden
