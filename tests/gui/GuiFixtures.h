// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Certificates for the GUI tests, made at test time relative to a fixed clock.

#include "CertFactory.h"

#include <QDateTime>

namespace certrotor::test {

/// 2026-11-22 10:00 UTC: the tests' "now".
inline QDateTime guiNow()
{
    return QDateTime(QDate(2026, 11, 22), QTime(10, 0), Qt::UTC);
}

/// The rotation the GUI tests play: a store with an old root expiring soon and a long-lived
/// intermediate; a new root arriving; one deliberately flawed CA (SHA-1) for the findings.
struct RotationSet
{
    Issued oldRoot;      // "Old Root CA", expires in 20 days (under the 30 day threshold)
    Issued intermediate; // "Issuing CA", signed by the old root
    Issued expired;      // "Expired CA", expired 5 days ago
    Issued newRoot;      // "New Root CA", valid from 10 days ago for 10 years
    Issued sha1Ca;       // "Legacy SHA1 CA", signed with SHA-1 (a lint finding)

    QByteArray storePem() const { return pemBundle({&oldRoot, &intermediate, &expired}); }
};

inline Issued makeCa(const QString& cn, qint64 from, qint64 to, const Issued* issuer = nullptr,
                     const QByteArray& digest = "SHA256", KeySpec key = {})
{
    CertSpec spec;
    spec.commonName = cn;
    spec.extraSubject = {{QStringLiteral("O"), QStringLiteral("CertRotor GUI Test")}};
    spec.notBefore = from;
    spec.notAfter = to;
    spec.isCA = true;
    spec.digest = digest;
    return issue(spec, makeKey(key), issuer);
}

inline RotationSet makeRotationSet(qint64 now)
{
    const qint64 d = kSecondsPerDay;
    RotationSet s;
    s.oldRoot = makeCa(QStringLiteral("Old Root CA"), now - 700 * d, now + 20 * d);
    s.intermediate = makeCa(QStringLiteral("Issuing CA"), now - 300 * d, now + 400 * d, &s.oldRoot);
    s.expired = makeCa(QStringLiteral("Expired CA"), now - 400 * d, now - 5 * d);
    s.newRoot = makeCa(QStringLiteral("New Root CA"), now - 10 * d, now + 3650 * d, nullptr, "SHA256",
                       KeySpec::ec("P-384"));
    s.sha1Ca = makeCa(QStringLiteral("Legacy SHA1 CA"), now - 10 * d, now + 900 * d, nullptr, "SHA1");
    return s;
}

} // namespace certrotor::test
