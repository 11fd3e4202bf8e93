// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ProbeResult.h"
#include "rotation/RotationState.h"
#include "x509/Lint.h"

#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

namespace certrotor::rotation {

/// A blocking rule a commit broke. Rules are enforced by the core; the GUI and the CLI only show them.
struct Violation {
    QString rule; // stable code, see policy::
    QString message; // one sentence for the operator, naming the destination's targets and CAs
    QStringList targets; // the targets concerned (HOST:PORT), if any
};

namespace policy {
inline const QString noTargets = QStringLiteral("no-targets"); // nothing proves the commit
inline const QString probeFailed = QStringLiteral("probe-failed"); // a target fails with the bundle to commit
inline const QString errorFindings = QStringLiteral("error-findings"); // the bundle has error findings (lint)
inline const QString removesAnchor = QStringLiteral("removes-anchor"); // drops a CA a target's chain needs
inline const QString needsOldCa
    = QStringLiteral("needs-old-ca"); // retire/replace while a target serves an old-CA chain

/// A reason an operator types to override a blocking rule: at least this many characters (after
/// trimming), so that "ok" or "y" is never one.
inline constexpr int kMinOverrideReasonLength = 12;
/// "" when the reason is acceptable, else why not.
QString checkOverrideReason(const QString& reason);
} // namespace policy

/// What a gate judges for one destination: the probes of every target with the bundle trusted now
/// and with the bundle the commit would write.
struct GateInput {
    QString destination;
    bool newOnly = false; // the commit drops the old CAs (retire, replace)
    QStringList targets; // HOST:PORT as probed
    QList<ProbeResult> current; // with the destination's bundle now (may be empty: empty store)
    QList<ProbeResult> proposed; // with the bundle to commit
    QSet<QString> proposedShas; // SHA-256 hex of the certificates the commit would write
    QSet<QString> oldShas; // of the certificates only the old bundle has
    QList<Finding> findings; // lint of the bundle to commit
};

/// Every blocking rule the commit breaks (empty: it may go ahead).
QList<Violation> evaluateGate(const GateInput& input);

/// Which side of the rotation anchors a verified chain: "old", "new", "both", "other" ("" if not verified).
QString anchorSide(const ProbeResult& result, const QSet<QString>& oldShas, const QSet<QString>& newShas);

/// A probe result as a target status (anchor side, error) for the state file and the views.
TargetStatus targetStatusOf(const ProbeResult& result, const QSet<QString>& oldShas, const QSet<QString>& newShas);

} // namespace certrotor::rotation
