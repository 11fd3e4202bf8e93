// SPDX-License-Identifier: GPL-3.0-or-later
#include "AuditFormat.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QDeadlineTimer>
#include <QMessageAuthenticationCode>
#include <QThread>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <sys/file.h>

namespace certrotor {

QJsonObject AuditEntry::toJson() const
{
    QJsonObject o;
    o[QLatin1String("seq")] = seq;
    o[QLatin1String("time")] = time.toUTC().toString(Qt::ISODateWithMs);
    o[QLatin1String("event")] = event;
    o[QLatin1String("actor")] = actor;
    o[QLatin1String("data")] = data;
    o[QLatin1String("macAlg")] = macAlg;
    o[QLatin1String("prev")] = prev;
    if (!mac.isEmpty())
        o[QLatin1String("mac")] = mac;
    return o;
}

std::optional<AuditEntry> AuditEntry::fromJson(const QJsonObject& o, QString* problem)
{
    const auto missing = [problem](const char* field) -> std::optional<AuditEntry> {
        if (problem)
            *problem = QStringLiteral("the field \"%1\" is missing or has the wrong type").arg(QLatin1String(field));
        return std::nullopt;
    };
    AuditEntry e;
    const QJsonValue seq = o.value(QLatin1String("seq"));
    if (!seq.isDouble() || seq.toDouble() != double(seq.toInteger()) || seq.toInteger() < 1)
        return missing("seq");
    e.seq = seq.toInteger();
    e.time = QDateTime::fromString(o.value(QLatin1String("time")).toString(), Qt::ISODateWithMs);
    if (!e.time.isValid())
        return missing("time");
    e.time = e.time.toUTC();
    if (!o.value(QLatin1String("event")).isString() || o.value(QLatin1String("event")).toString().isEmpty())
        return missing("event");
    e.event = o.value(QLatin1String("event")).toString();
    if (!o.value(QLatin1String("actor")).isObject())
        return missing("actor");
    e.actor = o.value(QLatin1String("actor")).toObject();
    if (!o.value(QLatin1String("data")).isObject())
        return missing("data");
    e.data = o.value(QLatin1String("data")).toObject();
    e.macAlg = o.value(QLatin1String("macAlg")).toString();
    if (e.macAlg != QLatin1String(audit::kHmacSha256) && e.macAlg != QLatin1String(audit::kSha256))
        return missing("macAlg");
    if (!o.value(QLatin1String("prev")).isString())
        return missing("prev");
    e.prev = o.value(QLatin1String("prev")).toString();
    e.mac = o.value(QLatin1String("mac")).toString();
    return e;
}

namespace audit {

namespace {
std::atomic<int> g_lockTimeoutMs{10000};
}

int lockTimeoutMs()
{
    return g_lockTimeoutMs.load();
}

void setLockTimeoutMs(int ms)
{
    g_lockTimeoutMs.store(ms);
}

QString lockFile(int fd, int operation)
{
    const int timeoutMs = lockTimeoutMs();
    const QDeadlineTimer deadline(timeoutMs);
    int pauseMs = 2;
    for (;;) {
        if (::flock(fd, operation | LOCK_NB) == 0)
            return {};
        const int code = errno;
        if (code == EINTR)
            continue;
        if (code != EWOULDBLOCK)
            return QStringLiteral("cannot lock the audit log: ") + QString::fromLocal8Bit(std::strerror(code));
        if (deadline.hasExpired()) {
            const QString how = timeoutMs % 1000 == 0 ? QStringLiteral("%1 s").arg(timeoutMs / 1000)
                                                      : QStringLiteral("%1 ms").arg(timeoutMs);
            return QStringLiteral("the audit log is locked by another process for more than %1").arg(how);
        }
        QThread::msleep(ulong(qMax(qint64(1), qMin(qint64(pauseMs), deadline.remainingTime()))));
        pauseMs = qMin(pauseMs * 2, 50);
    }
}

QString mac(QByteArrayView canonical, const QByteArray& key)
{
    if (key.isEmpty())
        return QString::fromLatin1(QCryptographicHash::hash(canonical, QCryptographicHash::Sha256).toHex());
    QMessageAuthenticationCode code(QCryptographicHash::Sha256, key);
    code.addData(canonical.data(), canonical.size());
    return QString::fromLatin1(code.result().toHex());
}

QByteArray line(const QByteArray& canonical, const QString& mac)
{
    QByteArray out = canonical;
    out.chop(1); // the closing brace
    out += ",\"mac\":\"";
    out += mac.toLatin1();
    out += "\"}";
    return out;
}

bool splitLine(QByteArrayView line, QByteArray& canonical, QString& mac)
{
    static constexpr QByteArrayView kField = ",\"mac\":\"";
    static constexpr qsizetype kHex = 64;
    const qsizetype tail = kField.size() + kHex + 2; // field, hex, quote and brace
    if (line.size() < tail + 2 || !line.endsWith("\"}"))
        return false;
    const QByteArrayView field = line.sliced(line.size() - tail, kField.size());
    if (field != kField)
        return false;
    const QByteArrayView hex = line.sliced(line.size() - kHex - 2, kHex);
    for (char c : hex) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    canonical = line.first(line.size() - tail).toByteArray() + '}';
    mac = QString::fromLatin1(hex);
    return true;
}

namespace {

bool secretName(const QString& name)
{
    QString n = name.toLower();
    n.remove(QLatin1Char('-'));
    n.remove(QLatin1Char('_'));
    static const char* const kNames[] = {"key", "privatekey", "passphrase", "password", "token", "secret", "authorization"};
    for (const char* s : kNames) {
        if (n.endsWith(QLatin1String(s)))
            return true;
    }
    return n.contains(QLatin1String("passphrase")) || n.contains(QLatin1String("password"))
           || n.contains(QLatin1String("privatekey"));
}

bool secretValue(const QString& value)
{
    return value.contains(QLatin1String("PRIVATE KEY-----"));
}

QString findIn(const QJsonValue& value, const QString& path);

QString findInObject(const QJsonObject& o, const QString& path)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString here = path.isEmpty() ? it.key() : path + QLatin1Char('.') + it.key();
        if (secretName(it.key()))
            return here;
        if (QString found = findIn(it.value(), here); !found.isEmpty())
            return found;
    }
    return {};
}

QString findIn(const QJsonValue& value, const QString& path)
{
    if (value.isObject())
        return findInObject(value.toObject(), path);
    if (value.isArray()) {
        const QJsonArray a = value.toArray();
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (QString found = findIn(a.at(i), path + QStringLiteral("[%1]").arg(i)); !found.isEmpty())
                return found;
        }
        return {};
    }
    if (value.isString() && secretValue(value.toString()))
        return path.isEmpty() ? QStringLiteral("(value)") : path;
    return {};
}

} // namespace

QString secretField(const QJsonObject& data)
{
    return findInObject(data, {});
}

} // namespace audit
} // namespace certrotor
