// SPDX-License-Identifier: GPL-3.0-or-later
#include "x509/ExpiryExport.h"

#include "util/BuildInfo.h"
#include "util/Clock.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

using namespace Qt::StringLiterals;

namespace certrotor::expiry {

namespace {

QByteArray icsTime(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC).toString(u"yyyyMMdd'T'HHmmss'Z'"_s).toLatin1();
}

/// TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, newline.
QByteArray icsText(const QString& text)
{
    QByteArray out;
    for (const QChar c : text) {
        if (c == u'\\' || c == u';' || c == u',')
            out += '\\' + QString(c).toUtf8();
        else if (c == u'\n')
            out += "\\n";
        else if (c != u'\r')
            out += QString(c).toUtf8();
    }
    return out;
}

/// A content line folded at 75 octets (never inside a UTF-8 sequence), CRLF-terminated.
QByteArray folded(const QByteArray& line)
{
    QByteArray out;
    int width = 0;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const auto byte = static_cast<unsigned char>(line.at(i));
        const bool continuation = (byte & 0xC0) == 0x80;
        if (width >= 75 && !continuation) {
            out += "\r\n ";
            width = 1;
        }
        out += line.at(i);
        ++width;
    }
    return out + "\r\n";
}

QString promLabel(const QString& value)
{
    QString out;
    for (const QChar c : value) {
        if (c == u'\\')
            out += u"\\\\"_s;
        else if (c == u'"')
            out += u"\\\""_s;
        else if (c == u'\n')
            out += u"\\n"_s;
        else
            out += c;
    }
    return out;
}

/// The items without repeats of one certificate from one source (a bundle that holds a CA twice): a
/// textfile collector refuses a series twice, and a calendar wants one event per certificate.
QList<ExpiryItem> distinct(const QList<ExpiryItem>& items)
{
    QList<ExpiryItem> out;
    QSet<QPair<QByteArray, QString>> seen;
    for (const ExpiryItem& item : items) {
        if (seen.contains({ item.certificate.info().sha256, item.source }))
            continue;
        seen.insert({ item.certificate.info().sha256, item.source });
        out << item;
    }
    return out;
}

} // namespace

qint64 daysLeft(qint64 notAfter, qint64 now)
{
    const qint64 d = notAfter - now;
    return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

QByteArray ics(const QList<ExpiryItem>& items, qint64 now, int warningDays)
{
    QByteArray out;
    out += folded("BEGIN:VCALENDAR");
    out += folded("VERSION:2.0");
    out += folded("PRODID:-//CertRotor//" + buildinfo::version().toUtf8() + "//EN");
    out += folded("CALSCALE:GREGORIAN");
    out += folded("METHOD:PUBLISH");
    // One event per certificate (its UID is the SHA-256), naming every source that holds it.
    QList<ExpiryItem> events;
    QHash<QByteArray, QStringList> sources;
    for (const ExpiryItem& item : items) {
        QStringList& where = sources[item.certificate.info().sha256];
        if (where.isEmpty())
            events << item;
        if (!where.contains(item.source))
            where << item.source;
    }
    for (const ExpiryItem& item : std::as_const(events)) {
        const CertificateInfo& info = item.certificate.info();
        const QString subject = info.subject.commonName.isEmpty() ? info.subject.rfc4514 : info.subject.commonName;
        out += folded("BEGIN:VEVENT");
        out += folded("UID:" + info.sha256Hex().toLatin1() + "@certrotor");
        out += folded("DTSTAMP:" + icsTime(now));
        out += folded("DTSTART:" + icsTime(info.notAfter));
        out += folded("DTEND:" + icsTime(info.notAfter + 3600));
        out += folded("SUMMARY:" + icsText(u"CA certificate expires: "_s + subject));
        out += folded("DESCRIPTION:"
                      + icsText(u"%1\nSHA-256 %2\nissuer %3\nsource %4\nnot after %5"_s.arg(
                          info.subject.rfc4514, info.sha256Hex(), info.issuer.rfc4514,
                          sources.value(info.sha256).join(u", "_s), isoUtc(info.notAfter))));
        out += folded("CATEGORIES:CERTIFICATE EXPIRY");
        out += folded("TRANSP:TRANSPARENT");
        out += folded("BEGIN:VALARM");
        out += folded("ACTION:DISPLAY");
        out += folded("DESCRIPTION:" + icsText(u"%1 expires in %2 days"_s.arg(subject).arg(warningDays)));
        out += folded("TRIGGER:-P" + QByteArray::number(warningDays) + "D");
        out += folded("END:VALARM");
        out += folded("END:VEVENT");
    }
    out += folded("END:VCALENDAR");
    return out;
}

QByteArray prometheus(const QList<ExpiryItem>& all, qint64 now)
{
    const QList<ExpiryItem> items = distinct(all);
    QString out;
    const auto labels = [](const ExpiryItem& item) {
        const CertificateInfo& info = item.certificate.info();
        return u"{subject=\"%1\",sha256=\"%2\",source=\"%3\"}"_s.arg(promLabel(info.subject.rfc4514), info.sha256Hex(),
                                                                     promLabel(item.source));
    };
    out += u"# HELP certrotor_certificate_not_after_timestamp_seconds When the certificate expires (notAfter), as a Unix time.\n"_s;
    out += u"# TYPE certrotor_certificate_not_after_timestamp_seconds gauge\n"_s;
    for (const ExpiryItem& item : items)
        out += u"certrotor_certificate_not_after_timestamp_seconds"_s + labels(item) + u' '
            + QString::number(item.certificate.info().notAfter) + u'\n';
    out += u"# HELP certrotor_certificate_days_left Whole days until the certificate expires (negative once expired).\n"_s;
    out += u"# TYPE certrotor_certificate_days_left gauge\n"_s;
    for (const ExpiryItem& item : items)
        out += u"certrotor_certificate_days_left"_s + labels(item) + u' '
            + QString::number(daysLeft(item.certificate.info().notAfter, now)) + u'\n';
    return out.toUtf8();
}

QByteArray json(const QList<ExpiryItem>& items, qint64 now)
{
    QJsonArray all;
    for (const ExpiryItem& item : distinct(items)) {
        const CertificateInfo& info = item.certificate.info();
        const qint64 left = daysLeft(info.notAfter, now);
        all.append(QJsonObject { { u"subject"_s, info.subject.rfc4514 },
                                 { u"issuer"_s, info.issuer.rfc4514 },
                                 { u"sha256"_s, info.sha256Hex() },
                                 { u"notAfter"_s, isoUtc(info.notAfter) },
                                 { u"daysLeft"_s, left },
                                 { u"expired"_s, info.notAfter < now },
                                 { u"source"_s, item.source } });
    }
    return QJsonDocument(all).toJson(QJsonDocument::Indented);
}

} // namespace certrotor::expiry
