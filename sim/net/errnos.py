"""Error numbers printed as ``+ERRNO:<n>`` (3.17) when a connection cannot be made.

The board's lwIP uses newlib's errno values, which differ from Linux's for some codes; the host's OSError
is translated so that a test sees what the firmware would print.
"""

from __future__ import annotations

import errno as _host
import ssl

#: newlib (ESP-IDF) errno values
ECONNRESET = 104
ECONNABORTED = 113
ECONNREFUSED = 111
ETIMEDOUT = 116
EHOSTUNREACH = 118
ENETUNREACH = 114
EADDRINUSE = 112
EINVAL = 22
#: mbedTLS: MBEDTLS_ERR_X509_CERT_VERIFY_FAILED (-0x2700) and MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE (-0x7780):
#: the board prints the certificate-related code first (3.17, +ERRNO), as a negative decimal number.
MBEDTLS_X509_CERT_VERIFY_FAILED = -0x2700
MBEDTLS_SSL_FATAL_ALERT_MESSAGE = -0x7780
MBEDTLS_SSL_HANDSHAKE_FAILURE = -0x7180

_FROM_HOST = {
    _host.ECONNRESET: ECONNRESET,
    _host.ECONNREFUSED: ECONNREFUSED,
    _host.ETIMEDOUT: ETIMEDOUT,
    _host.EHOSTUNREACH: EHOSTUNREACH,
    _host.ENETUNREACH: ENETUNREACH,
    _host.EADDRINUSE: EADDRINUSE,
    _host.ECONNABORTED: ECONNABORTED,
    _host.EINVAL: EINVAL,
}


def board_errno(exc: BaseException) -> int:
    """The number the board would print for a failed connect / handshake."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MBEDTLS_X509_CERT_VERIFY_FAILED
    if isinstance(exc, ssl.SSLError):
        return (
            MBEDTLS_SSL_FATAL_ALERT_MESSAGE if "ALERT" in str(exc).upper() else MBEDTLS_SSL_HANDSHAKE_FAILURE
        )
    if isinstance(exc, TimeoutError):
        return ETIMEDOUT
    if isinstance(exc, OSError) and exc.errno is not None:
        return _FROM_HOST.get(exc.errno, exc.errno)
    return ECONNABORTED
