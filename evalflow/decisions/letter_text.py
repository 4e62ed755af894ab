"""The fixed wording of award and decline letters, in Spanish and English."""

from __future__ import annotations

from typing import Any

# Sentences are trusted markup; "{name}" fields are filled with Markup.format, which
# escapes the (user-typed) values.
LABELS: dict[str, dict[str, Any]] = {
    "es": {
        "doc_title": {"award": "Carta de asignación de apoyo", "decline": "Carta de resultado"},
        "folio": "Folio",
        "subject": "Asunto",
        "subject_text": {
            "award": "Notificación de apoyo aprobado",
            "decline": "Notificación de resultado de evaluación",
        },
        "place_date": "{place}, a {date}",
        "presente": "Presente",
        "intro": {
            "award": (
                "Me es grato informarle que, como resultado del proceso de evaluación de la "
                "convocatoria {call_code} «{call_title}», la propuesta que se identifica a "
                "continuación ha sido aprobada para recibir apoyo económico en los términos "
                "siguientes:"
            ),
            "decline": (
                "Lamento informarle que, como resultado del proceso de evaluación de la "
                "convocatoria {call_code} «{call_title}», la propuesta que se identifica a "
                "continuación no fue seleccionada para recibir apoyo económico."
            ),
        },
        "reference": "Referencia",
        "title": "Título del proyecto",
        "sector": "Sector",
        "call": "Convocatoria",
        "requested": "Monto solicitado",
        "awarded": "Monto aprobado",
        "note": "Observaciones",
        "reason": "Motivo",
        "conditions_intro": "El apoyo queda sujeto a las siguientes condiciones:",
        "conditions": (
            "Los recursos se ejercerán conforme al plan de trabajo aprobado y al convenio de "
            "asignación que suscribirán {agency} y la institución.",
            "La institución entregará informes técnicos y financieros por etapa y un informe "
            "final al concluir el proyecto.",
            "Los recursos no ejercidos o no comprobados se reintegrarán a {agency}.",
        ),
        "closing": {
            "award": "Sin otro particular, le envío un cordial saludo.",
            "decline": (
                "Agradecemos el interés de su institución y la invitamos a participar en "
                "futuras convocatorias. Sin otro particular, le envío un cordial saludo."
            ),
        },
        "sign_off": "Atentamente",
        "verification_code": "Código de verificación:",
        "verification_url": "Verifique la autenticidad de este documento en",
        "page": "Página",
        "of": "de",
    },
    "en": {
        "doc_title": {"award": "Award letter", "decline": "Decision letter"},
        "folio": "Folio",
        "subject": "Subject",
        "subject_text": {
            "award": "Notice of approved funding",
            "decline": "Notice of evaluation result",
        },
        "place_date": "{place}, {date}",
        "presente": "",
        "intro": {
            "award": (
                "I am pleased to inform you that, following the evaluation process of call "
                "{call_code} “{call_title}”, the proposal identified below has been approved "
                "for funding on the following terms:"
            ),
            "decline": (
                "I regret to inform you that, following the evaluation process of call "
                "{call_code} “{call_title}”, the proposal identified below has not been "
                "selected for funding."
            ),
        },
        "reference": "Reference",
        "title": "Project title",
        "sector": "Sector",
        "call": "Call",
        "requested": "Amount requested",
        "awarded": "Amount awarded",
        "note": "Notes",
        "reason": "Reason",
        "conditions_intro": "The grant is subject to the following conditions:",
        "conditions": (
            "Funds shall be used according to the approved work plan and the funding agreement "
            "to be signed by {agency} and the institution.",
            "The institution shall submit technical and financial reports for each stage and a "
            "final report when the project ends.",
            "Any funds not spent or not accounted for shall be returned to {agency}.",
        ),
        "closing": {
            "award": "Please accept my congratulations on this result.",
            "decline": (
                "We thank your institution for its interest and encourage it to take part in "
                "future calls."
            ),
        },
        "sign_off": "Yours sincerely,",
        "verification_code": "Verification code:",
        "verification_url": "Verify the authenticity of this document at",
        "page": "Page",
        "of": "of",
    },
}
