// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "rotation/Rotation.h"
#include "util/Result.h"

#include <QByteArray>
#include <QString>

namespace certrotor::rotation {

/// A rotation plan file: the destinations of one rotation, their targets, grouped in waves that are
/// committed and confirmed one after the other (a canary cluster first, then the rest).
///
/// ```yaml
/// candidate: new-ca.pem            # optional; relative to the plan file; --candidate overrides it
/// expectSha256: 3f2a…              # optional; pins the candidate (from the change ticket)
/// mode: overlap                    # overlap (default) or replace
/// confirmDeadline: 180             # seconds, every destination unless it says otherwise
/// waves:
///   - name: canary
///     destinations:
///       - store: secret://canary/payments/grpc-ca#ca.crt
///         targets: ["10.0.0.7:8443;servername=ext.payments.svc"]
///         confirmDeadline: 300
///   - name: everywhere
///     destinations:
///       - store: /etc/certrotor/ca.pem       # relative paths are relative to the plan file
///         targets: [gateway.internal:443]
/// ```
/// Unknown keys are errors (a misspelt `targtes:` must not silently mean "no targets").
struct RotationPlan {
    QString path;
    QString candidatePath; // "" when the plan names none
    QString expectSha256;
    Rotation::Mode mode = Rotation::Mode::Overlap;
    QStringList waveNames;
    QList<Rotation::DestinationSpec> destinations; // wave = index into waveNames
};

/// Parses a plan's bytes; errors name the line ("plan.yaml, line 7: …"). `path` resolves relative paths.
Result<RotationPlan> parseRotationPlan(const QByteArray& yaml, const QString& path);
Result<RotationPlan> loadRotationPlan(const QString& path);

} // namespace certrotor::rotation
