// SPDX-License-Identifier: GPL-3.0-or-later
#include "AuditExport.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace certrotor::audit {

namespace {

QString scalar(const QJsonValue& v)
{
    switch (v.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined:
        return QStringLiteral("-");
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Double:
        return QString::number(v.toDouble());
    case QJsonValue::String:
        return v.toString();
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    }
    return {};
}

QString csvCell(QString text)
{
    text.replace(QLatin1Char('\r'), QLatin1Char(' ')).replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (!text.isEmpty() && QStringLiteral("=+-@").contains(text.front()))
        text.prepend(QLatin1Char('\''));
    if (text.contains(QLatin1Char(',')) || text.contains(QLatin1Char('"')))
        return QLatin1Char('"') + text.replace(QStringLiteral("\""), QStringLiteral("\"\"")) + QLatin1Char('"');
    return text;
}

} // namespace

QString summary(const AuditEntry& e)
{
    QStringList parts;
    if (e.event == QLatin1String("probe")) {
        static const char* const kFields[] = {"target", "bundle", "bundleSha256", "probeId", "ok", "stage", "error"};
        for (const char* f : kFields)
            parts << QLatin1String(f) + QLatin1Char('=') + scalar(e.data.value(QLatin1String(f)));
    } else {
        for (auto it = e.data.begin(); it != e.data.end(); ++it)
            parts << it.key() + QLatin1Char('=') + scalar(it.value());
    }
    return parts.join(QStringLiteral("; "));
}

QByteArray exportJson(const QList<AuditEntry>& entries)
{
    QJsonArray array;
    for (const AuditEntry& e : entries)
        array.append(e.toJson());
    return QJsonDocument(array).toJson(QJsonDocument::Indented);
}

QByteArray exportCsv(const QList<AuditEntry>& entries)
{
    QString out = QStringLiteral("seq,time,event,user,host,tool,macAlg,summary\r\n");
    for (const AuditEntry& e : entries) {
        const QStringList cells{QString::number(e.seq),
                                e.time.toUTC().toString(Qt::ISODateWithMs),
                                e.event,
                                e.actor.value(QLatin1String("user")).toString(),
                                e.actor.value(QLatin1String("host")).toString(),
                                e.actor.value(QLatin1String("tool")).toString(),
                                e.macAlg,
                                summary(e)};
        QStringList quoted;
        for (const QString& c : cells)
            quoted << csvCell(c);
        out += quoted.join(QLatin1Char(',')) + QStringLiteral("\r\n");
    }
    return out.toUtf8();
}

} // namespace certrotor::audit
