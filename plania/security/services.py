"""Writes on second-factor devices: set-up, confirmation, reset.

A staff member has one TOTP device (django_otp.plugins.otp_totp). It is created
unconfirmed when they open the set-up page, confirmed by the first code they type, and
deleted by `otp_devices_reset` (a lost phone: `plania otp_reset ADDRESS`, or the admin's
"TOTP devices" page), after which the next login sets up a new one.
"""

from base64 import b32encode

from django.db import transaction
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from plania.accounts.models import User

DEVICE_NAME = "PlanIA"


def otp_device_of(*, user: User) -> TOTPDevice | None:
    """The person's confirmed device, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


@transaction.atomic
def otp_device_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device being set up (the same one on each visit, so that the secret
    shown does not change until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def otp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm `device` with a code it generated; False if the code is wrong (or the device
    is throttled after wrong codes). Other unconfirmed devices of the person go."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
    return True


@transaction.atomic
def otp_devices_reset(*, user: User) -> int:
    """Delete every TOTP device of `user`; the number deleted."""
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted


def otp_secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator applications ask for it: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def otp_device_verify(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Check a code at login; django-otp counts wrong codes and makes the person wait
    longer after each (OTP_TOTP_THROTTLE_FACTOR) and refuses a code used twice."""
    return verify_token(user, device.persistent_id, token) is not None
