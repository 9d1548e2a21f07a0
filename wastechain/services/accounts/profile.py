"""What a user sets for themself: the page language."""
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_
from wastechain.models import User
from wastechain.services.common import transactional

LOCALES = ("zh", "en")


@transactional
def set_locale(session, *, user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise ValidationFailed(N_("不支持的语言"), details={"locale": "zh or en"})
    session.get(User, user.id).locale = locale
