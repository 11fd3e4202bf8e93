// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Certificate.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace certrotor {

/// One certificate's expiry, as the exports show it.
struct ExpiryItem {
    Certificate certificate;
    QString source; // the file, directory or secret://… it came from
};

/// Expiries in the formats operators already plug into: a calendar, an alerting system, scripts.
/// `now` and `warningDays` are the caller's (an injected clock), so the output is reproducible.
namespace expiry {

/// RFC 5545 iCalendar: one VEVENT per certificate on its notAfter (UTC), with a VALARM `warningDays` before
/// it; CRLF line ends, lines folded at 75 octets, TEXT values escaped; UID stable per certificate SHA-256
/// (a certificate in several sources is one event naming them all).
QByteArray ics(const QList<ExpiryItem>& items, qint64 now, int warningDays);

/// Prometheus text exposition format, for node_exporter's textfile collector: per certificate
/// `certrotor_certificate_not_after_timestamp_seconds` and `certrotor_certificate_days_left`, labelled by
/// subject, sha256 and source; label values escaped (\\, \", \n). A certificate repeated in one source
/// is one series (a textfile collector refuses duplicates).
QByteArray prometheus(const QList<ExpiryItem>& items, qint64 now);

/// One JSON object per certificate and source: subject, issuer, sha256, notAfter, daysLeft, expired, source.
QByteArray json(const QList<ExpiryItem>& items, qint64 now);

/// Whole days from `now` to `notAfter`, rounded down (negative once expired).
qint64 daysLeft(qint64 notAfter, qint64 now);

} // namespace expiry
} // namespace certrotor
