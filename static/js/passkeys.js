/* « Sécurité du compte »: once a passkey is registered, show it in the list. */
document.addEventListener("otp_webauthn.register_complete", function () {
  window.setTimeout(function () { window.location.reload(); }, 600);
});
