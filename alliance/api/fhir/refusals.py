"""What a FHIR write refuses, as one exception the views turn into an ``OperationOutcome``: the
QuestionnaireResponse intake (``intake.IntakeError``) and the Appointment booking
(``appointments.AppointmentError``) raise its subclasses."""

__all__ = ["WriteRefused"]


class WriteRefused(Exception):
    """``diagnostics`` for the reader, ``expression`` the FHIRPath of the element at fault,
    ``status`` and ``code`` the HTTP status and the OperationOutcome issue code."""

    def __init__(
        self,
        diagnostics: str,
        expression: str | None = None,
        *,
        status: int = 422,
        code: str = "invalid",
    ):
        super().__init__(diagnostics)
        self.status, self.code, self.expression = status, code, expression
