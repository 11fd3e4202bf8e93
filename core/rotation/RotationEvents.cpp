// SPDX-License-Identifier: GPL-3.0-or-later
#include "rotation/RotationEvents.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace certrotor::rotation::events {

QJsonArray fingerprints(const QList<Certificate>& certificates)
{
    QJsonArray out;
    for (const Certificate& c : certificates)
        out.append(c.info().sha256Hex());
    return out;
}

QJsonArray violations(const QList<Violation>& violations)
{
    QJsonArray out;
    for (const Violation& v : violations)
        out.append(QJsonObject{{u"rule"_s, v.rule}, {u"message"_s, v.message},
                               {u"targets"_s, QJsonArray::fromStringList(v.targets)}});
    return out;
}

QJsonArray bundles(const QList<PlanBundle>& bundles)
{
    QJsonArray out;
    for (const PlanBundle& b : bundles)
        out.append(QJsonObject{{u"name"_s, b.name},
                               {u"role"_s, b.role == PlanBundle::Role::Current ? u"current"_s : u"candidate"_s},
                               {u"sha256"_s, bundleSha256(b.certificates)},
                               {u"certificates"_s, int(b.certificates.size())}});
    return out;
}

QJsonArray probeIds(const QList<ProbeResult>& results)
{
    QJsonArray out;
    for (const ProbeResult& r : results) {
        if (!r.probeId.isEmpty())
            out.append(r.probeId);
    }
    return out;
}

} // namespace certrotor::rotation::events
