"""What a user sets for themself: the page language and the name colleagues and regulators see."""
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_
from wastechain.models import User
from wastechain.services.accounts.auth import person_name
from wastechain.services.common import transactional

LOCALES = ("zh", "en")


@transactional
def set_locale(session, *, user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise ValidationFailed(N_("不支持的语言"), details={"locale": "zh or en"})
    session.get(User, user.id).locale = locale


@transactional
def set_display_name(session, *, user: User, display_name: str | None) -> User:
    """The user's own name (王建国), shown beside their work instead of their login; empty clears it."""
    record = session.get(User, user.id)
    record.display_name = person_name(display_name)
    return record
