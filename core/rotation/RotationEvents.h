// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "rotation/RotationPolicy.h"
#include "x509/Certificate.h"

#include <QJsonArray>
#include <QList>

/// Pieces of the rotation's audit records (rotation-staged, -dry-run, -probed, -committed, -confirmed,
/// -retired, -rolled-back, -refused, -override, -conflict), one builder each, so every caller — the
/// CLI, the console, the drill — writes the same shapes. The probe records and the bundle and probe-id
/// lists they share with the rotation records are in audit/AuditEvents.h.
namespace certrotor::rotation::events {

/// [SHA-256 hex, ...] of the certificates, in order.
QJsonArray fingerprints(const QList<Certificate>& certificates);
/// [{rule, message, targets}]
QJsonArray violations(const QList<Violation>& violations);

} // namespace certrotor::rotation::events
