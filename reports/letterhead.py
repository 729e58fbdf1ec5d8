"""Who issues a document and who signs it, as Nghị định 30/2020/NĐ-CP (Phụ lục I) writes them.

The header's left column names the issuing body in full, in capitals: a People's Committee on
two lines ("ỦY BAN NHÂN DÂN" / "XÃ CỬU CAO"); a specialised office or a public service unit
under the body it belongs to ("UBND HUYỆN VĂN GIANG" / "PHÒNG NỘI VỤ").

The signature block: a collective body (a People's Committee) signs "TM. ỦY BAN NHÂN DÂN" above
its head's title; a deputy signs "KT." for the head ("KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH"; for a
committee both: "TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH"); a head of an office
signs in their own title ("TRƯỞNG PHÒNG"). Then the room for the signature and the seal, then
the full name. Pure functions: the units' rows in, lines of text out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

COMMITTEE = "ỦY BAN NHÂN DÂN"
_COMMITTEE_PREFIX = re.compile(r"^(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+", re.IGNORECASE)
PLACEHOLDER_TITLE = "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"  # the template's, while no signer is known
TM, KT, OWN = "tm", "kt", "own"  # how the signer signs: on behalf of the body, for the head, own
SIGN_AS = (TM, KT, OWN)
DEPUTY = "PHÓ "

# The head's title the chat offers (the deputy's is "PHÓ " and it): by the first words of the
# unit's name, else by its kind.
HEADS_BY_NAME = (
    ("sở ", "GIÁM ĐỐC"),
    ("văn phòng ", "CHÁNH VĂN PHÒNG"),
    ("thanh tra ", "CHÁNH THANH TRA"),
    ("phòng ", "TRƯỞNG PHÒNG"),
    ("ban ", "TRƯỞNG BAN"),
    ("trung tâm ", "GIÁM ĐỐC"),
)
HEADS_BY_KIND = {"committee": "CHỦ TỊCH", "phong": "TRƯỞNG PHÒNG", "su_nghiep": "GIÁM ĐỐC"}


def upper(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).upper()


def is_committee(name: str) -> bool:
    """A People's Committee ("UBND xã Cửu Cao", "Ủy ban nhân dân tỉnh Hưng Yên")."""
    return bool(_COMMITTEE_PREFIX.match(name.strip()))


@dataclass(frozen=True)
class Issuer:
    """The header's left column: the body above (regular) and the issuing body (bold)."""

    above: str | None  # cơ quan, tổ chức chủ quản
    lines: tuple[str, ...]  # tên cơ quan, tổ chức ban hành, one or two lines


def issuer(name: str, parent: str | None = None, *, governed: bool = False) -> Issuer:
    """``name`` in full capitals; a committee on two lines; ``governed`` (an office or a
    service unit) under its ``parent``, which may stay abbreviated ("UBND HUYỆN VĂN GIANG")."""
    if is_committee(name):
        return Issuer(None, (COMMITTEE, upper(_COMMITTEE_PREFIX.sub("", name.strip()))))
    above = upper(parent) if governed and parent else None
    return Issuer(above, (upper(name),))


def titles_for(name: str, kind: str, current: str | None = None) -> tuple[str, str]:
    """The head's and the deputy's titles a unit's report is usually signed with: those of the
    ``current`` signer's title when there is one (the units file's ``head_title``)."""
    if current and current.strip():
        head = head_of(current)
    elif is_committee(name):
        head = HEADS_BY_KIND["committee"]
    else:
        lowered = " ".join(name.split()).lower() + " "
        by_name = (h for prefix, h in HEADS_BY_NAME if lowered.startswith(prefix))
        head = next(by_name, HEADS_BY_KIND.get(kind, HEADS_BY_KIND["phong"]))
    return head, DEPUTY + head


def sign_as_for(title: str, committee: bool, sign_as: str | None = None) -> str:
    """The given way of signing, else: a deputy signs for the head (KT.), a committee's head on
    its behalf (TM.), anyone else in their own title."""
    if sign_as in SIGN_AS:
        return sign_as
    if upper(title).startswith(DEPUTY):
        return KT
    return TM if committee else OWN


def head_of(title: str) -> str:
    """The head a deputy signs for: "PHÓ CHỦ TỊCH" -> "CHỦ TỊCH"."""
    title = upper(title)
    return title[len(DEPUTY) :] if title.startswith(DEPUTY) else title


def signature(title: str | None, name: str, sign_as: str | None = None) -> tuple[str, ...]:
    """The lines above the signature, capitals: e.g. ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH",
    "PHÓ CHỦ TỊCH"); the template's placeholder when no title is known."""
    if not title or not title.strip():
        return (PLACEHOLDER_TITLE,)
    committee = is_committee(name)
    how = sign_as_for(title, committee, sign_as)
    lines: list[str] = []
    if committee and how in (TM, KT):
        lines.append(f"TM. {COMMITTEE}")
    if how == KT:
        lines.append(f"KT. {head_of(title)}")
    lines.append(upper(title))
    return tuple(lines)


def committee_of(name: str) -> str:
    """ "UBND huyện Văn Giang" -> "huyện Văn Giang" (what follows the committee's name)."""
    return _COMMITTEE_PREFIX.sub("", name.strip())
