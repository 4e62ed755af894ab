"""The data of the demo call: the 2008 call for National Contact Points (Puntos Nacionales de
Contacto) of the Red de Talentos Mexicanos, with the figures of the seed document.

Every institution, person, title and amount here is FICTIONAL. The institutions are named
"Ficticio/Ficticia/Imaginaria" on purpose so that nobody mistakes them for the real
applicants of 2008, whose names the source does not give. Only the call's figures are real:
29 proposals received, 26 eligible, spread over 8 of the 9 strategic sectors as below, up to
1,000,000.00 MXN per proposal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CALL_CODE = "PNC-2008"
TIMEZONE = "America/Mexico_City"
DOMAIN = "demo.example"

# Local wall-clock times in the call's zone. Mexico City kept daylight time (-05:00) until
# 26 October 2008, so the call opens at -05:00 and closes at -06:00; naive times let the
# zone database pick the right offset.
OPENS_AT = "2008-09-15T09:00:00"
CLOSES_AT = "2008-10-31T18:00:00"
SCREENING_FROM = "2008-11-03T10:00:00"
ASSIGNED_AT = "2008-11-10T10:00:00"
CONFLICT_AT = "2008-11-11T09:40:00"
DECLARED_FROM = "2008-11-11T10:00:00"
REVIEWS_FROM = "2008-11-13T00:00:00"
REVIEW_DAYS = 16
FUNDING_AT = "2008-12-08T11:00:00"
DECIDED_AT = "2008-12-09T10:00:00"
LETTERS_AT = "2008-12-10T12:00:00"

SECTORS: list[dict[str, str]] = [
    {"code": "COOP", "name": "Cooperación Internacional para el Desarrollo"},
    {"code": "ALIM", "name": "Alimentos, Agricultura, Pesquería y Biotecnología"},
    {"code": "TIC", "name": "Tecnologías de la Información y Comunicación"},
    {"code": "NANO", "name": "Nanotecnología y Nuevos Materiales"},
    {"code": "ENER", "name": "Hidrocarburos y Energías Alternativas"},
    {"code": "AUTO", "name": "Sector Automotriz"},
    {"code": "MACC", "name": "Medio Ambiente y Cambio Climático"},
    {"code": "SALUD", "name": "Salud"},
    # The source says the call had nine strategic sectors but names only the eight that
    # received proposals; this ninth name is our plausible invention. It receives none.
    {"code": "MANU", "name": "Manufactura Avanzada y Diseño"},
]

# Eligible proposals per sector, as in DESIGN.md's table (the seed's figures).
ELIGIBLE_BY_SECTOR: dict[str, int] = {
    "COOP": 6, "ALIM": 5, "TIC": 3, "NANO": 3, "ENER": 3, "AUTO": 3, "MACC": 2, "SALUD": 1,
    "MANU": 0,
}

ELIGIBILITY: list[dict[str, str]] = [
    {"code": "E1", "text": "La institución o centro de investigación es mexicano y cuenta con "
                           "inscripción vigente en el Registro Nacional de Instituciones y "
                           "Empresas Científicas y Tecnológicas (RENIECYT)."},
    {"code": "E2", "text": "La propuesta incluye un plan de trabajo de doce meses con metas, "
                           "calendario e indicadores para dar seguimiento a los proyectos que "
                           "propongan los miembros de la Red en el sector estratégico elegido."},
    {"code": "E3", "text": "Se adjunta la carta de postulación firmada por el representante "
                           "legal, que designa al responsable del Punto Nacional de Contacto."},
    {"code": "E4", "text": "El monto solicitado no excede $1,000,000.00 M.N. y el desglose "
                           "presupuestal comprende solo gastos elegibles (no adquisición de "
                           "vehículos ni obra civil)."},
]

CRITERIA: list[dict[str, object]] = [
    {"code": "C1", "name": "Capacidad institucional y trayectoria en el sector",
     "description": "Experiencia de la institución y del equipo responsable en el sector "
                    "estratégico y en proyectos de vinculación.",
     "weight": 0.30, "min": 1, "max": 10, "threshold": 6},
    {"code": "C2", "name": "Calidad y viabilidad del plan de trabajo",
     "description": "Claridad de objetivos, metas, calendario e indicadores; mecanismos de "
                    "seguimiento de los proyectos de la Red.",
     "weight": 0.30, "min": 1, "max": 10, "threshold": 6},
    {"code": "C3", "name": "Vinculación con la diáspora y redes internacionales",
     "description": "Relación existente o verosímil con los capítulos de la Red y con "
                    "instituciones en el exterior.",
     "weight": 0.25, "min": 1, "max": 10, "threshold": 5},
    {"code": "C4", "name": "Pertinencia del presupuesto",
     "description": "Proporción entre el presupuesto y las actividades; justificación de "
                    "los conceptos.",
     "weight": 0.15, "min": 1, "max": 10},
]

CALL: dict[str, object] = {
    "code": CALL_CODE,
    "title": "Convocatoria 2008 para Puntos Nacionales de Contacto de la Red de Talentos "
             "Mexicanos",
    "description": (
        "La Secretaría de Relaciones Exteriores y el Consejo Nacional de Ciencia y Tecnología "
        "convocan a instituciones y centros nacionales de investigación a constituirse en "
        "Puntos Nacionales de Contacto de la Red de Talentos Mexicanos y a dar seguimiento, "
        "por sector estratégico, a los proyectos que propongan los miembros de la Red.\n\n"
        "Una Comisión de Evaluación seleccionará las mejores propuestas, que recibirán hasta "
        "un millón de pesos para cumplir con su plan de trabajo.\n\n"
        "Datos de demostración: las instituciones y personas son ficticias."
    ),
    "language": "es",
    "timezone": TIMEZONE,
    "opens_at": OPENS_AT,
    "closes_at": CLOSES_AT,
    "currency": "MXN",
    "max_award": "1000000.00",
    "total_budget": "12000000.00",
    "reviewers_per_proposal": 3,
    "review_days": 21,
    "sectors": SECTORS,
    "eligibility_criteria": ELIGIBILITY,
    "criteria": CRITERIA,
}


@dataclass(frozen=True)
class Person:
    """A demo login."""

    email: str
    name: str
    role: str
    password: str
    institution: str | None = None


OFFICER = Person(f"oficial@{DOMAIN}", "Laura Méndez Ortega", "officer", "oficial-pnc-2008")
ADMIN = Person(f"admin@{DOMAIN}", "Ricardo Salas Vega", "admin", "admin-pnc-2008")
REVIEWER_PASSWORD = "evaluador-pnc-2008"
APPLICANT_PASSWORD = "solicitante-pnc-2008"
REVIEWERS: list[Person] = [
    Person(f"evaluador{i}@{DOMAIN}", name, "reviewer", REVIEWER_PASSWORD)
    for i, name in enumerate(
        [
            "Dra. Ana Lucía Treviño Garza",
            "Dr. Jorge Iturbide Campos",
            "Dra. Mariana Ochoa Lugo",
            "Dr. Felipe Arredondo Ruiz",
            "Dra. Claudia Beltrán Nava",
            "Dr. Héctor Villaseñor Díaz",
            "Dra. Patricia Quiroga León",
            "Dr. Samuel Ortiz Baeza",
            "Dra. Irene Castañeda Mora",
        ],
        start=1,
    )
]

# Shares of the requested amount, in percent, by budget line concept.
BUDGET_TEMPLATES: list[list[tuple[str, int]]] = [
    [
        ("Honorarios del coordinador y de un analista del Punto Nacional de Contacto", 45),
        ("Viajes y viáticos para reuniones con los capítulos de la Red", 20),
        ("Talleres y foro sectorial anual", 15),
        ("Plataforma en línea de seguimiento de proyectos", 12),
        ("Difusión y materiales impresos", 8),
    ],
    [
        ("Personal técnico y administrativo", 40),
        ("Movilidad de expertos de la Red hacia México", 25),
        ("Encuentros de vinculación con empresas e instituciones", 20),
        ("Sistema de información y videoconferencia", 15),
    ],
    [
        ("Personal del Punto Nacional de Contacto", 50),
        ("Viajes nacionales e internacionales", 18),
        ("Seminarios y estancias cortas", 17),
        ("Publicaciones, informe anual y difusión", 10),
        ("Gastos de operación", 5),
    ],
]


@dataclass(frozen=True)
class ProposalSpec:
    """One fictional institution and the proposal it submitted."""

    key: str  # the institution's short name, used in its applicant's email
    institution: str
    sector: str
    title: str
    summary: str
    amount: str
    submitted: str  # local time in the call's zone
    budget: tuple[tuple[str, int], ...] = ()  # shares; empty means a standard template
    rejected: str | None = None  # the screening reason, for an ineligible proposal
    unmet: tuple[str, ...] = ()  # checklist codes it fails
    conflict: str | None = None  # a reviewer declares a conflict on it, for this reason

    @property
    def email(self) -> str:
        return f"solicitante.{self.key.lower()}@{DOMAIN}"


PROPOSALS: list[ProposalSpec] = [
    # --- Cooperación Internacional para el Desarrollo: 7 received, 6 eligible ---
    ProposalSpec(
        "IFEDR", "Instituto Ficticio de Estudios para el Desarrollo Regional", "COOP",
        "Punto Nacional de Contacto para la Cooperación Internacional para el Desarrollo: "
        "vinculación de talentos en el exterior con proyectos productivos en municipios de "
        "alta migración",
        "El Instituto propone operar el Punto Nacional de Contacto del sector desde su programa "
        "de desarrollo regional, que desde 2001 acompaña proyectos productivos en municipios de "
        "Zacatecas, Michoacán y Oaxaca con altos índices de migración. El plan de trabajo "
        "identifica a miembros de la Red con experiencia en desarrollo comunitario y "
        "microfinanzas y los articula con gobiernos municipales y organizaciones locales "
        "mediante una cartera de proyectos con seguimiento trimestral.",
        "985000.00", "2008-10-20T13:15",
    ),
    ProposalSpec(
        "UIGOLFO", "Universidad Imaginaria del Golfo", "COOP",
        "Red de enlace Golfo–Houston para la cooperación al desarrollo y la transferencia de "
        "buenas prácticas",
        "La Universidad aprovechará sus convenios con instituciones de Texas y la cercanía con "
        "el capítulo Houston de la Red para canalizar la experiencia de profesionistas "
        "mexicanos hacia proyectos de desarrollo social en Veracruz y Tabasco. Propone un "
        "esquema de mentoría a distancia, dos foros anuales y un sistema de seguimiento de "
        "proyectos con indicadores de resultados.",
        "867500.00", "2008-10-29T11:02",
    ),
    ProposalSpec(
        "CFCMB", "Centro Ficticio de Cooperación y Migración del Bajío", "COOP",
        "Observatorio de migración calificada y cooperación para el desarrollo del Bajío",
        "El Centro integrará un observatorio que documente la trayectoria de los migrantes "
        "calificados originarios de Guanajuato, Querétaro y Aguascalientes, y un mecanismo para "
        "convertir su interés en proyectos de cooperación con universidades y gobiernos "
        "estatales. Incluye un directorio de expertos, convocatorias internas de proyectos y "
        "reportes semestrales a la Red.",
        "760000.00", "2008-10-31T16:47",
    ),
    ProposalSpec(
        "FFPC", "Fundación Ficticia Puentes de Conocimiento, A.C.", "COOP",
        "Puentes de Conocimiento: acompañamiento a proyectos de la diáspora en educación y "
        "desarrollo comunitario",
        "La Fundación, con diez años de trabajo con clubes de migrantes, propone dar "
        "seguimiento a los proyectos educativos y comunitarios que propongan los miembros de la "
        "Red, apoyándolos en la búsqueda de contrapartes locales y en la gestión de fondos "
        "complementarios. El plan da prioridad a proyectos en comunidades indígenas y de alta "
        "marginación.",
        "642300.00", "2008-10-17T18:30",
    ),
    ProposalSpec(
        "CFEIO", "Colegio Ficticio de Estudios Internacionales de Occidente", "COOP",
        "Punto de Contacto de Occidente para la cooperación internacional y la diplomacia del "
        "conocimiento",
        "El Colegio pondrá a disposición de la Red su experiencia en cooperación internacional "
        "descentralizada para identificar fuentes de financiamiento internacional y acompañar "
        "proyectos conjuntos entre talentos mexicanos en el exterior e instituciones de "
        "Jalisco, Colima y Nayarit. Contempla la formación de gestores de proyectos y un "
        "seminario permanente.",
        "920000.00", "2008-10-27T10:20",
    ),
    ProposalSpec(
        "IFPPD", "Instituto Ficticio de Políticas Públicas y Diáspora", "COOP",
        "Agenda de políticas públicas para la participación de la diáspora calificada en el "
        "desarrollo nacional",
        "El Instituto propone dar seguimiento a los proyectos de la Red en el sector con un "
        "enfoque de políticas públicas: análisis de instrumentos de cooperación, "
        "recomendaciones a dependencias federales y estatales y un tablero público de avance "
        "de proyectos. El equipo cuenta con investigadores especializados en migración y "
        "desarrollo.",
        "1000000.00", "2008-10-30T19:05",
    ),
    ProposalSpec(
        "AFDCS", "Asociación Ficticia para el Desarrollo Comunitario del Sur, A.C.", "COOP",
        "Fortalecimiento comunitario con apoyo de la diáspora en la región sur",
        "La Asociación propone promover proyectos comunitarios en Guerrero y Oaxaca con la "
        "participación de migrantes calificados, mediante talleres, visitas de campo y un "
        "fondo semilla para iniciativas locales.",
        "450000.00", "2008-10-31T17:52",
        rejected="La institución no acreditó su inscripción vigente en el Registro Nacional de "
                 "Instituciones y Empresas Científicas y Tecnológicas (RENIECYT), requisito E1 "
                 "de la convocatoria.",
        unmet=("E1",),
    ),
    # --- Alimentos, Agricultura, Pesquería y Biotecnología: 6 received, 5 eligible ---
    ProposalSpec(
        "CFIAD", "Centro Ficticio de Investigación en Alimentos y Desarrollo del Noroeste",
        "ALIM",
        "Punto Nacional de Contacto en Alimentos y Biotecnología: cadena de valor de alimentos "
        "funcionales con talentos del noroeste",
        "El Centro, con líneas consolidadas en ciencia de alimentos y biotecnología, dará "
        "seguimiento a los proyectos de la Red orientados a alimentos funcionales, inocuidad y "
        "agregación de valor a productos agropecuarios del noroeste. Propone un comité técnico "
        "binacional, estancias cortas de investigadores mexicanos en el exterior y una cartera "
        "de proyectos con empresas de la región.",
        "995000.00", "2008-10-08T12:00",
    ),
    ProposalSpec(
        "IFBAS", "Instituto Ficticio de Biotecnología Agrícola de Sinaloa", "ALIM",
        "Biotecnología para la agricultura de exportación: vinculación de la diáspora con "
        "productores de Sinaloa",
        "El Instituto propone vincular a especialistas mexicanos en biotecnología vegetal que "
        "trabajan en Estados Unidos y Canadá con productores hortícolas de Sinaloa, para "
        "desarrollar proyectos de control biológico de plagas, mejoramiento de semillas y "
        "certificación para exportación. El plan incluye un programa de transferencia "
        "tecnológica con metas semestrales.",
        "880000.00", "2008-10-22T09:41",
        conflict="Fui asesor externo del grupo proponente en 2007 y colaboré en la preparación "
                 "de su propuesta técnica.",
    ),
    ProposalSpec(
        "UIAA", "Universidad Imaginaria Autónoma de Agricultura", "ALIM",
        "Innovación agrícola sustentable: Punto de Contacto para proyectos de agricultura de "
        "precisión y manejo del agua",
        "La Universidad coordinará los proyectos de la Red relacionados con agricultura de "
        "precisión, uso eficiente del agua de riego y sistemas de información agrícola. Se "
        "apoyará en su red de campos experimentales y en su programa de extensionismo para "
        "llevar los resultados a pequeños y medianos productores.",
        "720000.00", "2008-10-28T14:10",
    ),
    ProposalSpec(
        "CFIPP", "Centro Ficticio de Investigaciones Pesqueras del Pacífico", "ALIM",
        "Pesquerías sustentables del Pacífico mexicano: enlace con científicos mexicanos en el "
        "exterior",
        "El Centro propone articular a investigadores mexicanos de instituciones oceanográficas "
        "del extranjero con proyectos de evaluación de recursos pesqueros, ordenamiento y "
        "trazabilidad de capturas en el Pacífico. El plan incluye talleres con cooperativas "
        "pesqueras y un sistema de seguimiento de proyectos.",
        "655000.00", "2008-10-24T16:25",
    ),
    ProposalSpec(
        "IFACM", "Instituto Ficticio de Acuacultura y Ciencias del Mar", "ALIM",
        "Acuacultura y maricultura: Punto de Contacto para proyectos de innovación con la Red "
        "de Talentos",
        "El Instituto dará seguimiento a proyectos de acuacultura de camarón, moluscos y peces "
        "marinos propuestos por miembros de la Red, con énfasis en sanidad acuícola y "
        "nutrición. Ofrece sus laboratorios y su estanquería experimental como plataforma de "
        "validación de tecnologías.",
        "930000.00", "2008-10-31T12:30",
    ),
    ProposalSpec(
        "CFAGRO", "Consorcio Ficticio Agroindustrial del Centro", "ALIM",
        "Modernización agroindustrial del centro del país con apoyo de expertos en el exterior",
        "El Consorcio propone acompañar proyectos de agroindustria en el centro del país "
        "mediante asesorías de expertos mexicanos en el exterior, la adquisición de equipo de "
        "transporte para visitas de campo y la adecuación de instalaciones para un centro de "
        "demostración.",
        "1000000.00", "2008-10-31T17:20",
        budget=(
            ("Asesorías de expertos de la Red", 35),
            ("Adquisición de vehículo utilitario para visitas de campo", 30),
            ("Obra civil para el centro de demostración", 25),
            ("Gastos de operación", 10),
        ),
        rejected="El presupuesto destina recursos a la compra de un vehículo y a obra civil, "
                 "conceptos no elegibles según la convocatoria (requisito E4).",
        unmet=("E4",),
    ),
    # --- Tecnologías de la Información y Comunicación: 3 ---
    ProposalSpec(
        "CFISJ", "Centro Ficticio de Innovación en Software de Jalisco", "TIC",
        "Punto Nacional de Contacto en TIC: vinculación del capítulo Silicon Valley con la "
        "industria de software de Jalisco",
        "El Centro propone operar como enlace entre los miembros del capítulo Silicon Valley de "
        "la Red y las empresas de software y diseño electrónico de Jalisco, dando seguimiento a "
        "proyectos de innovación, incubación y formación de talento. Incluye un programa de "
        "mentoría empresarial y un tablero de seguimiento de proyectos en línea.",
        "960000.00", "2008-10-01T10:05",
    ),
    ProposalSpec(
        "IFCA", "Instituto Ficticio de Computación Avanzada", "TIC",
        "Cómputo avanzado y ciencia de datos: Punto de Contacto para proyectos conjuntos con la "
        "diáspora",
        "El Instituto dará seguimiento a proyectos de cómputo de alto rendimiento, seguridad "
        "informática y análisis de datos propuestos por miembros de la Red, y pondrá su "
        "infraestructura de cómputo a disposición de los proyectos seleccionados. Contempla "
        "escuelas de verano y estancias cortas.",
        "812000.00", "2008-10-23T20:40",
    ),
    ProposalSpec(
        "UITN", "Universidad Imaginaria Tecnológica del Norte", "TIC",
        "Tecnologías de la información para la competitividad regional del norte de México",
        "La Universidad propone articular a profesionistas mexicanos del sector en Texas y "
        "California con empresas de manufactura del norte del país para proyectos de "
        "automatización, sistemas embebidos y desarrollo de software. El plan incluye un "
        "diagnóstico regional y una cartera inicial de proyectos.",
        "700000.00", "2008-10-30T09:15",
    ),
    # --- Nanotecnología y Nuevos Materiales: 3 ---
    ProposalSpec(
        "CFIMA", "Centro Ficticio de Investigación en Materiales Avanzados", "NANO",
        "Materiales avanzados para la industria: Punto Nacional de Contacto en Nanotecnología "
        "y Nuevos Materiales",
        "El Centro, con laboratorios de caracterización y síntesis de materiales, coordinará "
        "los proyectos de la Red en recubrimientos, polímeros y materiales compuestos para la "
        "industria. Propone un catálogo de capacidades nacionales, un programa de visitas "
        "técnicas y reuniones semestrales con los capítulos regionales.",
        "1000000.00", "2008-10-15T11:45",
    ),
    ProposalSpec(
        "IFNE", "Instituto Ficticio de Nanociencias de Ensenada", "NANO",
        "Nanociencias aplicadas: enlace entre investigadores mexicanos en el exterior y grupos "
        "nacionales",
        "El Instituto dará seguimiento a proyectos de nanoestructuras, catálisis y sensores, "
        "vinculando a investigadores de la Red con grupos nacionales y empresas de base "
        "tecnológica. Contempla seminarios virtuales mensuales y una convocatoria interna para "
        "proyectos semilla.",
        "890000.00", "2008-10-29T18:55",
    ),
    ProposalSpec(
        "LNFN", "Laboratorio Nacional Ficticio de Nanotecnología", "NANO",
        "Plataforma de nanotecnología para la transferencia de conocimiento con la diáspora "
        "mexicana",
        "El Laboratorio ofrecerá su infraestructura de microscopía y nanofabricación como "
        "plataforma para proyectos conjuntos propuestos por miembros de la Red, y se encargará "
        "de su seguimiento técnico y administrativo. El plan incluye un procedimiento de "
        "acceso a equipos y un informe público anual.",
        "775000.00", "2008-10-31T10:05",
    ),
    # --- Hidrocarburos y Energías Alternativas: 4 received, 3 eligible ---
    ProposalSpec(
        "IFIP", "Instituto Ficticio de Investigaciones Petroleras", "ENER",
        "Hidrocarburos y energía: Punto de Contacto para la transferencia de tecnología en "
        "exploración y producción",
        "El Instituto coordinará los proyectos de la Red relacionados con recuperación mejorada "
        "de hidrocarburos, aguas profundas y seguridad industrial, aprovechando la presencia de "
        "especialistas mexicanos en la industria petrolera de Houston. El plan contempla grupos "
        "de trabajo temáticos y reportes trimestrales.",
        "990000.00", "2008-10-21T13:30",
    ),
    ProposalSpec(
        "CFERM", "Centro Ficticio de Energías Renovables de Morelos", "ENER",
        "Energías renovables y eficiencia energética: enlace con la Red de Talentos Mexicanos",
        "El Centro propone dar seguimiento a proyectos de energía solar, eólica y bioenergía, y "
        "de eficiencia energética en la industria y la vivienda, con la participación de "
        "investigadores y emprendedores mexicanos en el exterior. Incluye un programa de "
        "pruebas piloto en sus instalaciones de Morelos.",
        "845000.00", "2008-10-28T17:00",
    ),
    ProposalSpec(
        "UIIE", "Universidad Imaginaria de Ingeniería Energética", "ENER",
        "Formación de capacidades en ingeniería energética con el apoyo de la diáspora",
        "La Universidad propone un Punto de Contacto centrado en la formación de recursos "
        "humanos en ingeniería energética: cursos impartidos por miembros de la Red, "
        "codirección de tesis y estancias profesionales, así como el seguimiento de proyectos "
        "de investigación aplicada.",
        "585000.00", "2008-10-31T15:10",
    ),
    ProposalSpec(
        "CFPE", "Cámara Ficticia de Proveedores de Energía", "ENER",
        "Red de proveedores nacionales para el sector energético",
        "La Cámara propone integrar una red de proveedores nacionales del sector energético con "
        "el apoyo de expertos mexicanos en el exterior, mediante encuentros de negocios y un "
        "directorio de capacidades.",
        "900000.00", "2008-10-30T23:48",
        rejected="La propuesta no incluye la carta de postulación firmada por el representante "
                 "legal ni designa al responsable del Punto Nacional de Contacto (requisito E3).",
        unmet=("E3",),
    ),
    # --- Sector Automotriz: 3 ---
    ProposalSpec(
        "CFTAP", "Centro Ficticio de Tecnología Automotriz de Puebla", "AUTO",
        "Punto Nacional de Contacto del Sector Automotriz: innovación en autopartes con "
        "talentos de Detroit",
        "El Centro propone vincular a ingenieros mexicanos del capítulo Detroit de la Red con "
        "proveedores de autopartes de Puebla y Tlaxcala para proyectos de diseño, validación y "
        "mejora de procesos. El plan incluye un programa de proyectos de ingeniería conjunta y "
        "la certificación de capacidades de laboratorio.",
        "950000.00", "2008-10-16T12:20",
    ),
    ProposalSpec(
        "IFMAB", "Instituto Ficticio de Manufactura Automotriz del Bajío", "AUTO",
        "Manufactura automotriz de clase mundial en el Bajío: seguimiento de proyectos con la "
        "diáspora",
        "El Instituto dará seguimiento a proyectos de manufactura esbelta, automatización y "
        "calidad en la cadena automotriz del Bajío, con la participación de especialistas "
        "mexicanos en plantas de Estados Unidos y Canadá. Contempla diagnósticos de empresas y "
        "talleres de transferencia.",
        "825000.00", "2008-10-27T16:05",
    ),
    ProposalSpec(
        "CLFAC", "Clúster Ficticio Automotriz de Coahuila, A.C.", "AUTO",
        "Desarrollo de proveedores automotrices del noreste con apoyo de la Red de Talentos",
        "El Clúster propone operar el Punto de Contacto con un enfoque empresarial: "
        "identificación de necesidades tecnológicas de las empresas asociadas, vinculación con "
        "expertos de la Red y seguimiento de proyectos de desarrollo de proveedores. Incluye "
        "un programa de misiones técnicas.",
        "680000.00", "2008-10-31T13:40",
    ),
    # --- Medio Ambiente y Cambio Climático: 2 ---
    ProposalSpec(
        "CFCAC", "Centro Ficticio de Ciencias de la Atmósfera y el Clima", "MACC",
        "Cambio climático y calidad del aire: Punto Nacional de Contacto en Medio Ambiente",
        "El Centro coordinará los proyectos de la Red en modelación climática, calidad del aire "
        "y adaptación al cambio climático, en colaboración con investigadores mexicanos en "
        "centros del extranjero. Propone un inventario de proyectos, talleres con gobiernos "
        "locales y un boletín semestral.",
        "910000.00", "2008-10-09T10:30",
    ),
    ProposalSpec(
        "IFEAV", "Instituto Ficticio de Ecología Aplicada de Veracruz", "MACC",
        "Conservación de ecosistemas costeros y adaptación al cambio climático en el Golfo de "
        "México",
        "El Instituto propone dar seguimiento a proyectos de restauración de manglares, manejo "
        "de cuencas y servicios ambientales con la participación de especialistas de la Red, "
        "articulándolos con comunidades y autoridades ambientales de Veracruz.",
        "735000.00", "2008-10-30T12:45",
    ),
    # --- Salud: 1 ---
    ProposalSpec(
        "IFMGSG", "Instituto Ficticio de Medicina Genómica y Salud Global", "SALUD",
        "Salud y genómica: Punto Nacional de Contacto para proyectos con investigadores "
        "mexicanos en el exterior",
        "El Instituto coordinará los proyectos de la Red en genómica de enfermedades crónicas, "
        "salud del migrante y telemedicina, en colaboración con investigadores mexicanos en "
        "universidades y hospitales de Estados Unidos. Contempla un comité científico, "
        "estancias cortas y un programa de seminarios.",
        "1000000.00", "2008-10-24T11:11",
    ),
]

APPLICANTS: list[Person] = [
    Person(spec.email, f"Responsable de {spec.key}", "applicant", APPLICANT_PASSWORD,
           spec.institution)
    for spec in PROPOSALS
]

PEOPLE: list[Person] = [OFFICER, ADMIN, *REVIEWERS, *APPLICANTS]


def work_plan(sector_name: str) -> str:
    """A short twelve-month work plan for a proposal of that sector."""
    return (
        "Plan de trabajo (12 meses)\n"
        "1. Meses 1-2: instalación del Punto Nacional de Contacto y designación del equipo.\n"
        f"2. Meses 2-4: diagnóstico de necesidades del sector {sector_name} y directorio de "
        "miembros de la Red interesados.\n"
        "3. Meses 4-10: seguimiento de la cartera de proyectos, reuniones con los capítulos "
        "regionales y foro sectorial.\n"
        "4. Meses 11-12: informe final con resultados e indicadores."
    )


def budget_lines(amount: Decimal, shares: list[tuple[str, int]] | tuple[tuple[str, int], ...]
                 ) -> list[dict[str, str]]:
    """Budget lines in those percent shares, rounded to hundreds of pesos, adding up exactly
    to `amount` (the last line takes the rounding)."""
    if sum(share for _, share in shares) != 100:
        raise ValueError("budget shares must add up to 100")
    lines, used = [], Decimal("0.00")
    for concept, share in shares[:-1]:
        part = (amount * share / 100 / 100).quantize(Decimal(1), ROUND_HALF_UP) * 100
        part = part.quantize(Decimal("0.01"))
        lines.append({"concept": concept, "amount": f"{part:.2f}"})
        used += part
    lines.append({"concept": shares[-1][0], "amount": f"{amount - used:.2f}"})
    return lines


# --- What reviewers write -----------------------------------------------------------------

OPENINGS: dict[str, list[str]] = {
    "high": [
        "La propuesta es sólida, está bien fundamentada y responde plenamente a los objetivos "
        "de la convocatoria.",
        "Propuesta de muy buena calidad, con objetivos claros y un plan de trabajo coherente.",
    ],
    "good": [
        "La propuesta es pertinente y presenta un plan de trabajo razonable.",
        "La propuesta responde a los objetivos de la convocatoria y su planteamiento es en "
        "general adecuado.",
    ],
    "fair": [
        "La propuesta tiene elementos valiosos, pero varios aspectos requieren mayor precisión.",
        "El planteamiento es interesante, aunque el plan de trabajo no está suficientemente "
        "desarrollado.",
    ],
    "low": [
        "La propuesta no demuestra con suficiencia la capacidad para operar como Punto "
        "Nacional de Contacto.",
        "El planteamiento es general y no concreta cómo se dará seguimiento a los proyectos de "
        "la Red.",
    ],
}
STRENGTHS: dict[str, str] = {
    "C1": "Destaca la trayectoria de la institución en el sector y la experiencia del equipo "
          "responsable.",
    "C2": "El plan de trabajo es claro, con metas, calendario e indicadores verificables.",
    "C3": "Es notable la vinculación existente con capítulos de la Red y con instituciones en "
          "el exterior.",
    "C4": "El presupuesto está bien justificado y guarda proporción con las actividades.",
}
IMPROVEMENTS: dict[str, str] = {
    "C1": "Conviene documentar mejor la experiencia institucional en proyectos de vinculación "
          "comparables.",
    "C2": "Se recomienda precisar las metas intermedias y los indicadores con que se medirá el "
          "avance.",
    "C3": "Falta detallar los mecanismos concretos de comunicación con los miembros de la Red "
          "en el exterior.",
    "C4": "Algunos conceptos del presupuesto parecen sobreestimados; se sugiere justificar los "
          "montos de viajes y personal.",
}
RECOMMENDATIONS: dict[str, str] = {
    "high": "Recomiendo apoyar la propuesta sin cambios.",
    "good": "Recomiendo apoyarla; el presupuesto podría ajustarse ligeramente.",
    "fair": "Apoyo condicionado: la propuesta es mejorable y no debería tener prioridad.",
    "low": "No recomiendo apoyarla en esta convocatoria.",
}
REMARKS: list[str] = [
    "El equipo responsable es conocido en el sector de {sector}.",
    "Conviene verificar la dedicación real del coordinador, que participa en otros proyectos.",
    "Es de las propuestas más concretas que he revisado en este sector.",
    "La carta de apoyo de los capítulos de la Red es genérica.",
    "El plan depende mucho de una sola persona; sugiero pedir un responsable suplente.",
    "Se complementa bien con otras propuestas del mismo sector.",
]
