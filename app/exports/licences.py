"""The licences a city may publish its open data under: their names and where to read them."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.models import City, OpenDataLicence


@dataclass(frozen=True)
class Licence:
    id: str  # the SPDX identifier (KOGL-Type1: the Korea Open Government Licence's own)
    name: object
    url: str


LICENCES = {
    OpenDataLicence.CC_BY_4: Licence("CC-BY-4.0", _l("Creative Commons Attribution 4.0 International"),
                                     "https://creativecommons.org/licenses/by/4.0/"),
    OpenDataLicence.CC_BY_SA_4: Licence("CC-BY-SA-4.0", _l("Creative Commons Attribution-ShareAlike 4.0 "
                                                           "International"),
                                        "https://creativecommons.org/licenses/by-sa/4.0/"),
    OpenDataLicence.CC0: Licence("CC0-1.0", _l("Creative Commons Zero 1.0 (public domain dedication)"),
                                 "https://creativecommons.org/publicdomain/zero/1.0/"),
    OpenDataLicence.ODBL: Licence("ODbL-1.0", _l("Open Data Commons Open Database License 1.0"),
                                  "https://opendatacommons.org/licenses/odbl/1-0/"),
    OpenDataLicence.KOGL_1: Licence("KOGL-Type1", _l("Korea Open Government Licence, type 1 (attribution)"),
                                    "https://www.kogl.or.kr/info/licenseType1.do"),
}


def licence_of(city: City) -> Licence:
    return LICENCES[OpenDataLicence(city.open_data_licence)]


def licence_choices() -> list[tuple[str, object]]:
    return [(value.value, licence.name) for value, licence in LICENCES.items()]
