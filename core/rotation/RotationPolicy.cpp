// SPDX-License-Identifier: GPL-3.0-or-later
#include "rotation/RotationPolicy.h"

#include <QHash>

using namespace Qt::StringLiterals;

namespace certrotor::rotation {

QString policy::checkOverrideReason(const QString& reason)
{
    const QString r = reason.simplified();
    if (r.size() < kMinOverrideReasonLength)
        return u"an override needs a typed reason of at least %1 characters (it goes into the audit log with the "
               "rule it overrides)"_s.arg(kMinOverrideReasonLength);
    return {};
}

QString anchorSide(const ProbeResult& result, const QSet<QString>& oldShas, const QSet<QString>& newShas)
{
    if (result.anchor.isNull())
        return {};
    const QString sha = result.anchor.info().sha256Hex();
    const bool inOld = oldShas.contains(sha), inNew = newShas.contains(sha);
    if (inOld && inNew)
        return u"both"_s;
    if (inOld)
        return u"old"_s;
    if (inNew)
        return u"new"_s;
    return u"other"_s;
}

TargetStatus targetStatusOf(const ProbeResult& result, const QSet<QString>& oldShas, const QSet<QString>& newShas)
{
    TargetStatus t;
    t.target = result.target.address();
    t.ok = result.ok;
    t.anchoredBy = anchorSide(result, oldShas, newShas);
    if (!result.anchor.isNull()) {
        t.anchorSubject = result.anchor.info().subject.rfc4514;
        t.anchorSha256 = result.anchor.info().sha256Hex();
    }
    t.error = result.ok ? QString() : result.error;
    t.probeId = result.probeId;
    t.attempts = 1;
    return t;
}

QList<Violation> evaluateGate(const GateInput& in)
{
    QList<Violation> out;
    if (in.targets.isEmpty()) {
        out << Violation {
            policy::noTargets,
            u"%1 has no probe target: a commit needs a passing probe on every target of the destination"_s.arg(
                in.destination),
            {}
        };
    }
    QStringList errorCodes;
    for (const Finding& f : in.findings) {
        if (f.severity == Finding::Severity::Error && !errorCodes.contains(f.code))
            errorCodes << f.code;
    }
    if (!errorCodes.isEmpty())
        out << Violation { policy::errorFindings,
                           u"the bundle to commit has error findings (%1)"_s.arg(errorCodes.join(u", "_s)),
                           {} };

    QHash<QString, const ProbeResult*> now;
    for (const ProbeResult& r : in.current)
        now.insert(r.target.address(), &r);

    QStringList failing, needOld, lostAnchor;
    QStringList failingWhy, needOldWhy, lostAnchorWhy;
    for (const ProbeResult& r : in.proposed) {
        const QString t = r.target.address();
        if (r.ok)
            continue;
        const ProbeResult* before = now.value(t);
        const bool anchoredBefore = before && before->ok && !before->anchor.isNull();
        const QString anchorSha = anchoredBefore ? before->anchor.info().sha256Hex() : QString();
        if (anchoredBefore && !in.proposedShas.contains(anchorSha)) {
            const QString subject = before->anchor.info().subject.rfc4514;
            if (in.newOnly && in.oldShas.contains(anchorSha)) {
                needOld << t;
                needOldWhy << u"%1 still serves a chain anchored by the old CA %2"_s.arg(t, subject);
            } else {
                lostAnchor << t;
                lostAnchorWhy << u"%1 is anchored by %2, which the new bundle removes"_s.arg(t, subject);
            }
        } else {
            failing << t;
            failingWhy << u"%1 (%2 at %3)"_s.arg(t, r.error, ProbeResult::stageName(r.stage));
        }
    }
    if (!needOld.isEmpty())
        out << Violation { policy::needsOldCa,
                           u"too early to drop the old CA from %1: %2"_s.arg(in.destination, needOldWhy.join(u"; "_s)),
                           needOld };
    if (!lostAnchor.isEmpty())
        out << Violation { policy::removesAnchor,
                           u"the commit to %1 removes a CA that anchors a target's chain: %2"_s.arg(
                               in.destination, lostAnchorWhy.join(u"; "_s)),
                           lostAnchor };
    if (!failing.isEmpty())
        out << Violation { policy::probeFailed,
                           u"the probe with the bundle to commit fails on %1"_s.arg(failingWhy.join(u"; "_s)),
                           failing };
    return out;
}

} // namespace certrotor::rotation
