// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ProbePlan.h"
#include "probe/ProbeResult.h"

#include <QJsonObject>

/// The JSON shapes of probe results (CLI --json, exports, the audit log's details).
namespace certrotor::json {

/// {target, serverName, service, bundle, bundleSha256, probeId, startedAt, ok, stage, error, httpStatus,
///  grpcStatus, grpcStatusName, grpcMessage, servingStatus, alpn, tlsVersion, cipher,
///  verifyErrors: [{kind, message, detail, subject, sha256}], peerChain: [{subject, issuer, sha256, notAfter}],
///  anchor: {subject, sha256} | null, timings: {connectMs, tlsMs, rpcMs, totalMs}}
QJsonObject probeResult(const ProbeResult& result);

/// {kind, passed, text, details: [...]}
QJsonObject planVerdict(const PlanVerdict& verdict);

} // namespace certrotor::json
