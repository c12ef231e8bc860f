"""Second-factor helpers for tests of any room.

    from tests.security.otp import otp_force_login
    otp_force_login(client, staff_user)   # a session past the password and the TOTP code

`totp_now(device)` is the code an authenticator application would show now.
"""

from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from plania.accounts.models import User


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=confirmed)


def totp_now(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{code:0{device.digits}d}"


def otp_force_login(client: Any, user: User) -> TOTPDevice:
    """Log `user` in as if they had typed their password and a right TOTP code."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first() or totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def otp_browser_login(page: Any, base_url: str, user: User) -> TOTPDevice:
    """Give a Playwright page's browser context a session past the password and the TOTP
    code of `user` (a session made with `otp_force_login`, its cookie handed over)."""
    from django.test import Client

    client = Client()
    device = otp_force_login(client, user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )
    return device
