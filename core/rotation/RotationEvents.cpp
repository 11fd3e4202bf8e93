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
        out.append(QJsonObject { { u"rule"_s, v.rule },
                                 { u"message"_s, v.message },
                                 { u"targets"_s, QJsonArray::fromStringList(v.targets) } });
    return out;
}

} // namespace certrotor::rotation::events
