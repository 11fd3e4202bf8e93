// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ProbePlan.h"
#include "rotation/RotationPolicy.h"
#include "x509/Certificate.h"

#include <QJsonArray>
#include <QList>

/// Pieces of the rotation's audit records (rotation-staged, -dry-run, -probed, -committed, -confirmed,
/// -retired, -rolled-back, -refused, -override, -conflict), one builder each, so every caller — the
/// CLI, the console, the drill — writes the same shapes.
namespace certrotor::rotation::events {

/// [SHA-256 hex, ...] of the certificates, in order.
QJsonArray fingerprints(const QList<Certificate>& certificates);
/// [{rule, message, targets}]
QJsonArray violations(const QList<Violation>& violations);
/// [{name, role, sha256, certificates}] — sha256 as bundleSha256() (what x-certrotor-bundle-sha256 says).
QJsonArray bundles(const QList<PlanBundle>& bundles);
/// [probeId, ...] of the results that ran.
QJsonArray probeIds(const QList<ProbeResult>& results);

} // namespace certrotor::rotation::events
