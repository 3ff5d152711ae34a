"""ONS geography codes for the local authorities a register names as its areas.

360Giving asks for a beneficiary location's geography code so that anyone can join grants
to other open data by place ("what is funded in my borough"). Registers write areas loosely
("Southwark", "LB Southwark", "City of London"), so names are compared ignoring case,
punctuation and the usual borough prefixes. The codes are the ONS 2023 local authority
district (LAD) and county codes; an area we cannot place (pan-London, force-wide, a ward)
simply gets no code rather than a guess.
"""

from __future__ import annotations

import re

GEO_CODE_TYPE = "LAD"
COUNTY_CODE_TYPE = "CTY"

# The 32 London boroughs and the City of London.
LONDON_BOROUGHS: dict[str, str] = {
    "City of London": "E09000001", "Barking and Dagenham": "E09000002", "Barnet": "E09000003",
    "Bexley": "E09000004", "Brent": "E09000005", "Bromley": "E09000006", "Camden": "E09000007",
    "Croydon": "E09000008", "Ealing": "E09000009", "Enfield": "E09000010", "Greenwich": "E09000011",
    "Hackney": "E09000012", "Hammersmith and Fulham": "E09000013", "Haringey": "E09000014",
    "Harrow": "E09000015", "Havering": "E09000016", "Hillingdon": "E09000017", "Hounslow": "E09000018",
    "Islington": "E09000019", "Kensington and Chelsea": "E09000020", "Kingston upon Thames": "E09000021",
    "Lambeth": "E09000022", "Lewisham": "E09000023", "Merton": "E09000024", "Newham": "E09000025",
    "Redbridge": "E09000026", "Richmond upon Thames": "E09000027", "Southwark": "E09000028",
    "Sutton": "E09000029", "Tower Hamlets": "E09000030", "Waltham Forest": "E09000031",
    "Wandsworth": "E09000032", "Westminster": "E09000033",
}

# Other local authorities commissioning offices fund in (unitaries, districts, metropolitan boroughs).
OTHER_DISTRICTS: dict[str, str] = {
    "Leicester": "E06000016", "Rutland": "E06000017", "Blaby": "E07000129", "Charnwood": "E07000130",
    "Harborough": "E07000131", "Hinckley and Bosworth": "E07000132", "Melton": "E07000133",
    "North West Leicestershire": "E07000134", "Oadby and Wigston": "E07000135",
    "Nottingham": "E06000018", "Derby": "E06000015", "Bristol": "E06000023", "Brighton and Hove": "E06000043",
    "Milton Keynes": "E06000042", "Reading": "E06000038", "Southampton": "E06000045", "Portsmouth": "E06000044",
    "Plymouth": "E06000026", "Luton": "E06000032", "Peterborough": "E06000031", "York": "E06000014",
    "Birmingham": "E08000025", "Coventry": "E08000026", "Wolverhampton": "E08000031", "Manchester": "E08000003",
    "Salford": "E08000006", "Liverpool": "E08000012", "Leeds": "E08000035", "Bradford": "E08000032",
    "Sheffield": "E08000039", "Newcastle upon Tyne": "E08000021", "Sunderland": "E08000024",
    "Cardiff": "W06000015", "Swansea": "W06000011", "Newport": "W06000022",
}

COUNTIES: dict[str, str] = {
    "Leicestershire": "E10000018", "Nottinghamshire": "E10000024", "Derbyshire": "E10000007",
    "Lincolnshire": "E10000019", "Kent": "E10000016", "Essex": "E10000012", "Surrey": "E10000030",
    "Hertfordshire": "E10000015", "Lancashire": "E10000017", "Staffordshire": "E10000028",
}

_PREFIXES = re.compile(
    r"^(?:the\s+)?(?:london\s+borough\s+of|royal\s+borough\s+of|lb|rb|borough\s+of|city\s+of(?!\s+london)|county\s+of)\s+"
)
_SUFFIXES = re.compile(r"\s+(?:borough|city|county|district)?\s*council$|\s+(?:borough|city|county|district)$")


def _key(name: str) -> str:
    text = " ".join(name.casefold().replace("&", " and ").replace("-", " ").replace(".", " ").replace(",", " ").split())
    text = _PREFIXES.sub("", text)
    return _SUFFIXES.sub("", text).strip()


_BY_KEY: dict[str, tuple[str, str, str]] = {}
for _names, _type in ((LONDON_BOROUGHS, GEO_CODE_TYPE), (OTHER_DISTRICTS, GEO_CODE_TYPE), (COUNTIES, COUNTY_CODE_TYPE)):
    for _name, _code in _names.items():
        _BY_KEY[_key(_name)] = (_name, _code, _type)
_BY_KEY.setdefault("city of london", ("City of London", "E09000001", GEO_CODE_TYPE))
_BY_KEY["kingston"] = _BY_KEY[_key("Kingston upon Thames")]
_BY_KEY["richmond"] = _BY_KEY[_key("Richmond upon Thames")]
_BY_KEY["hammersmith"] = _BY_KEY[_key("Hammersmith and Fulham")]
_BY_KEY["kensington"] = _BY_KEY[_key("Kensington and Chelsea")]


def local_authority(area: str) -> tuple[str, str, str] | None:
    """(official name, ONS code, code type) for an area naming one local authority, else None."""
    if not area.strip():
        return None
    return _BY_KEY.get(_key(area))
