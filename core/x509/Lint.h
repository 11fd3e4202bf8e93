// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/Bundle.h"

#include <QList>
#include <QString>

namespace certrotor {

/// One lint finding. `code` is stable (scripts and tests match on it); `message` is for people.
struct Finding
{
    enum class Severity { Info, Warning, Error };
    Severity severity = Severity::Warning;
    QString code;
    QString message;
    int entry = -1; // index into the bundle's entries

    static QString severityName(Severity s);
};

struct LintOptions
{
    qint64 now = 0; // seconds since the epoch, from a Clock
    int expiryWarningDays = 30;
};

/// Lints every certificate of a trust bundle. Stable codes: expired, not-yet-valid, expires-soon,
/// not-ca, ca-without-keycertsign, weak-rsa-key, weak-signature-sha1, weak-signature-md5, duplicate,
/// version-1, missing-ski, pathlen-violated. Cheap: no signature is checked (issuers are matched by
/// name and key identifier), so it runs on every ingest.
QList<Finding> lintBundle(const Bundle& bundle, const LintOptions& options);

/// The findings of one entry, from the output of lintBundle.
QList<Finding> findingsFor(const QList<Finding>& all, int entry);

} // namespace certrotor
