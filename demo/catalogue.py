"""What the demo register is made of: funding streams, boroughs, services, providers, people.

Every organisation and person here is invented (except the funding streams and boroughs,
which are the real ones a London commissioning office uses); `demo/register.py`
draws agreements from these lists.
"""

from __future__ import annotations

CORE, CSF, MOJ = "Core", "Commissioner's Safety Fund", "Ministry of Justice victims grant"
LCPF, VRU, SNB = "London Crime Prevention Fund", "Violence Reduction Unit", "Safer Neighbourhood Boards"
STREAM_CODES = {CORE: "COR", CSF: "CSF", MOJ: "MOJ", LCPF: "LCPF", VRU: "VRU", SNB: "SNB"}

# Borough → the local-authority code used in org-ids (GB-LAE-…).
BOROUGHS: dict[str, str] = {
    "Southwark": "SWK", "Lambeth": "LBH", "Hackney": "HCK", "Croydon": "CRY",
    "Tower Hamlets": "TWH", "Newham": "NWM", "Haringey": "HRY", "Lewisham": "LEW",
    "Islington": "ISL", "Camden": "CMD", "Brent": "BEN", "Enfield": "ENF",
    "Waltham Forest": "WFT", "Barking and Dagenham": "BDG", "Greenwich": "GRE", "Ealing": "EAL",
}
PAN_LONDON = "pan-London"

# category → (service titles, charities that deliver it, KPI targets per quarter)
SERVICES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "domestic abuse": (
        ("Domestic abuse advocacy (IDVA) service", "Domestic abuse refuge provision",
         "Perpetrator behaviour change programme", "Domestic abuse one-stop shop"),
        ("Northbank Women's Aid", "Harbour Domestic Abuse Services", "Safe Steps London",
         "Beacon Family Safety Trust"),
        ("referrals=120; risk assessments=100", "survivors supported=80; safety plans=70",
         "referrals=45; programme completions=20"),
    ),
    "sexual violence": (
        ("Sexual violence counselling service", "Rape crisis helpline and support"),
        ("Rivermead Rape Crisis Centre", "Halcyon Sexual Violence Support", "Willow Survivors Network"),
        ("referrals=90; counselling sessions=400", "helpline calls=600; referrals=70"),
    ),
    "ISVA": (
        ("Independent Sexual Violence Advisers (ISVA) service",
         "Children and young people's ISVA service"),
        ("Lighthouse ISVA Partnership", "Rivermead Rape Crisis Centre", "Halcyon Sexual Violence Support"),
        ("ISVA cases=60; court accompaniments=20", "referrals=40; cases closed=30"),
    ),
    "victim and witness support": (
        ("Victim and witness support service", "Victim care hub", "Witness court support service"),
        ("London Victim & Witness Care", "Citywide Victim Assist", "Victim Voice London"),
        ("victims contacted=2500; needs assessments=1800", "witnesses supported=400"),
    ),
    "youth violence": (
        ("Youth violence intervention in custody suites", "Hospital-based youth work (A&E navigators)",
         "Detached youth outreach", "Mentoring for young people at risk of exploitation"),
        ("Camberwell Youth Trust", "Crossroads Youth Violence Project", "Riverside Youth Futures"),
        ("young people engaged=150; mentoring sessions=500", "referrals=80; positive outcomes=50"),
    ),
    "restorative justice": (
        ("Restorative justice service", "Restorative justice in schools"),
        ("Open Door Restorative Justice", "Common Ground Mediation"),
        ("referrals=60; conferences held=25",),
    ),
    "modern slavery": (
        ("Modern slavery victim advocacy", "Anti-trafficking outreach service"),
        ("Freedom Route Anti-Slavery Network", "Hidden Lives Trust"),
        ("victims supported=35; referrals to NRM=20",),
    ),
    "hate crime": (
        ("Hate crime advocacy service", "Third-party hate crime reporting centres"),
        ("Stand Together Hate Crime Advocacy", "Community Alliance Against Hate"),
        ("reports taken=200; cases supported=90",),
    ),
    "reducing reoffending": (
        ("Women's diversion service", "Through-the-gate mentoring"),
        ("Second Chance London", "New Leaf Women's Centre"),
        ("referrals=70; completions=45",),
    ),
}

# Who pays for which service: victims' services from the MoJ grant, youth violence from the VRU.
CATEGORY_STREAMS: dict[str, tuple[str, ...]] = {
    "domestic abuse": (CSF, MOJ, CORE), "sexual violence": (MOJ, CSF), "ISVA": (MOJ, CORE),
    "victim and witness support": (MOJ, CORE), "youth violence": (VRU, VRU, CSF),
    "restorative justice": (MOJ, CORE), "modern slavery": (MOJ, CSF), "hate crime": (CSF, CORE),
    "reducing reoffending": (CORE, CSF),
}

# Partnerships: the office co-commissions these with boroughs (London Crime Prevention Fund).
PARTNERSHIP_TITLES: dict[str, str] = {
    "domestic abuse": "co-commissioned domestic abuse services",
    "youth violence": "youth violence and exploitation programme",
    "community safety": "borough community safety programme",
    "hate crime": "hate crime and community tension work",
}

STAFF: tuple[str, ...] = (
    "Amira Hassan", "Tom Whitfield", "Grace Okafor", "Daniel Reid", "Sofia Marchetti",
    "James Oduya", "Helen Price", "Ravi Patel", "Chloe Bennett",
)
FIRST_NAMES = ("Priya", "Sam", "Fatima", "Oliver", "Aisha", "Mark", "Joanne", "Kwame", "Lucy",
               "Hannah", "Tariq", "Niamh", "Adebayo", "Emma", "Marcus", "Zainab", "Rachel", "Leon")
LAST_NAMES = ("Shah", "Turner", "Begum", "Wright", "Mensah", "Kowalski", "O'Brien", "Campbell",
              "Ahmed", "Morgan", "Nwosu", "Fletcher", "Ali", "Hughes", "Dlamini", "Evans")
