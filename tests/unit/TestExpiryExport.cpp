// SPDX-License-Identifier: GPL-3.0-or-later
// The expiry exports, read back by strict parsers: RFC 5545 iCalendar (our own strict reader, and the real
// Python icalendar parser from Debian) and the Prometheus text exposition format; and the CLI end to end.
#include "CertFactory.h"
#include "TestUtil.h"
#include "x509/ExpiryExport.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace certrotor;
using namespace certrotor::test;
using namespace Qt::StringLiterals;

namespace {

const qint64 kNow = 1800000000; // 2027-01-15T08:00:00Z

/// One RFC 5545 component, read strictly.
struct Component {
    QString name;
    QMultiHash<QString, QString> props; // name -> raw (still escaped) value
    QList<Component> children;
};

/// Unescapes a TEXT value; false when it holds an unescaped ',' or ';' or a bad escape.
bool unescapeText(const QString& raw, QString& out)
{
    out.clear();
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const QChar c = raw.at(i);
        if (c == u',' || c == u';')
            return false;
        if (c != u'\\') {
            out += c;
            continue;
        }
        if (++i >= raw.size())
            return false;
        const QChar e = raw.at(i);
        if (e == u'n' || e == u'N')
            out += u'\n';
        else if (e == u'\\' || e == u',' || e == u';')
            out += e;
        else
            return false;
    }
    return true;
}

/// A strict reader: CRLF line ends, lines ≤ 75 octets, folding, NAME[;PARAM]*:VALUE, nested BEGIN/END.
QString parseIcs(const QByteArray& bytes, Component& root)
{
    if (!bytes.endsWith("\r\n"))
        return u"does not end with CRLF"_s;
    QList<QByteArray> physical = bytes.split('\n');
    physical.removeLast();
    QStringList lines;
    for (qsizetype i = 0; i < physical.size(); ++i) {
        QByteArray l = physical.at(i);
        if (!l.endsWith('\r'))
            return u"line %1 does not end with CRLF"_s.arg(i + 1);
        l.chop(1);
        if (l.size() > 75)
            return u"line %1 is %2 octets (over 75)"_s.arg(i + 1).arg(l.size());
        if (!l.isEmpty() && (l.at(0) == ' ' || l.at(0) == '\t')) {
            if (lines.isEmpty())
                return u"a continuation line first"_s;
            lines.last() += QString::fromUtf8(l.mid(1));
        } else {
            lines << QString::fromUtf8(l);
        }
    }
    static const QRegularExpression content(u"^([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=[^;:]*)*):(.*)$"_s);
    QList<Component*> stack;
    bool done = false;
    for (const QString& line : std::as_const(lines)) {
        const QRegularExpressionMatch m = content.match(line);
        if (!m.hasMatch())
            return u"not a content line: %1"_s.arg(line);
        const QString name = m.captured(1).toUpper(), value = m.captured(3);
        if (done)
            return u"content after END:VCALENDAR"_s;
        if (name == u"BEGIN"_s) {
            if (stack.isEmpty()) {
                if (value != u"VCALENDAR"_s)
                    return u"does not start with BEGIN:VCALENDAR"_s;
                root.name = value;
                stack << &root;
            } else {
                stack.last()->children << Component { value, {}, {} };
                stack << &stack.last()->children.last();
            }
        } else if (name == u"END"_s) {
            if (stack.isEmpty() || stack.last()->name != value)
                return u"END:%1 does not close %2"_s.arg(value, stack.isEmpty() ? u"anything"_s : stack.last()->name);
            stack.removeLast();
            done = stack.isEmpty();
        } else {
            if (stack.isEmpty())
                return u"a property outside VCALENDAR"_s;
            stack.last()->props.insert(name, value);
        }
    }
    return done ? QString() : u"VCALENDAR is not closed"_s;
}

/// The Prometheus text format, strictly: HELP and TYPE before a family's samples, names and labels well
/// formed and escaped, no duplicate series, numeric values, a final newline.
QString parsePrometheus(const QByteArray& bytes, QHash<QString, QList<QPair<QHash<QString, QString>, double>>>& out)
{
    if (!bytes.endsWith('\n'))
        return u"does not end with a newline"_s;
    static const QRegularExpression metricName(u"^[a-zA-Z_:][a-zA-Z0-9_:]*$"_s);
    QHash<QString, QString> types;
    QSet<QString> helps, series;
    QList<QByteArray> lines = bytes.split('\n');
    lines.removeLast();
    for (const QByteArray& raw : std::as_const(lines)) {
        const QString line = QString::fromUtf8(raw);
        if (line.startsWith(u"# HELP "_s) || line.startsWith(u"# TYPE "_s)) {
            const QStringList parts = line.mid(7).split(u' ');
            if (parts.size() < 2 || !metricName.match(parts.first()).hasMatch())
                return u"bad comment line: %1"_s.arg(line);
            if (line.startsWith(u"# HELP "_s))
                helps.insert(parts.first());
            else if (parts.at(1) != u"gauge"_s || parts.size() != 2)
                return u"bad TYPE: %1"_s.arg(line);
            else
                types.insert(parts.first(), parts.at(1));
            continue;
        }
        const qsizetype brace = line.indexOf(u'{');
        const QString name = line.left(brace);
        if (brace < 0 || !metricName.match(name).hasMatch())
            return u"bad sample: %1"_s.arg(line);
        if (!types.contains(name) || !helps.contains(name))
            return u"sample before its HELP/TYPE: %1"_s.arg(name);
        QHash<QString, QString> labels;
        qsizetype i = brace + 1;
        while (i < line.size() && line.at(i) != u'}') {
            const qsizetype eq = line.indexOf(u"=\""_s, i);
            if (eq < 0)
                return u"bad label in: %1"_s.arg(line);
            const QString key = line.mid(i, eq - i);
            QString value;
            qsizetype j = eq + 2;
            for (; j < line.size() && line.at(j) != u'"'; ++j) {
                if (line.at(j) == u'\\') {
                    const QChar e = line.at(++j);
                    if (e == u'n')
                        value += u'\n';
                    else if (e == u'\\' || e == u'"')
                        value += e;
                    else
                        return u"bad escape in: %1"_s.arg(line);
                } else {
                    value += line.at(j);
                }
            }
            if (j >= line.size())
                return u"unterminated label value in: %1"_s.arg(line);
            labels.insert(key, value);
            i = j + 1;
            if (i < line.size() && line.at(i) == u',')
                ++i;
        }
        if (i >= line.size() || line.at(i) != u'}' || i + 1 >= line.size() || line.at(i + 1) != u' ')
            return u"bad sample end: %1"_s.arg(line);
        bool ok = false;
        const double v = line.mid(i + 2).toDouble(&ok);
        if (!ok)
            return u"not a number: %1"_s.arg(line);
        if (series.contains(line.left(i + 1)))
            return u"duplicate series: %1"_s.arg(line);
        series.insert(line.left(i + 1));
        out[name].append({ labels, v });
    }
    return {};
}

} // namespace

class TestExpiryExport : public QObject {
    Q_OBJECT

    QList<ExpiryItem> m_items;
    QString m_awkward; // a subject with every character that needs escaping

private Q_SLOTS:
    void initTestCase()
    {
        CertSpec a;
        a.commonName = u"Ops, Root; CA \\ \"2027\" — Ünïcode"_s; // ≤ 64 characters (X.520)
        a.notBefore = kNow - 86400;
        a.notAfter = kNow + 10 * 86400 + 3600;
        a.isCA = true;
        const Issued ca = issue(a, makeKey());
        CertSpec b;
        b.commonName = u"Expired Root"_s;
        b.notBefore = kNow - 400 * 86400;
        b.notAfter = kNow - 2 * 86400;
        b.isCA = true;
        const Issued old = issue(b, makeKey());
        m_items = { ExpiryItem { Certificate::fromDer(ca.der()).value(), u"secret://prod/ns/ca#ca.crt"_s },
                    ExpiryItem { Certificate::fromDer(old.der()).value(), u"/etc/ssl/a,b;c.pem"_s } };
        m_awkward = m_items.first().certificate.info().subject.commonName;
    }

    void icsIsStrictRfc5545()
    {
        const QByteArray bytes = expiry::ics(m_items, kNow, 30);
        Component cal;
        const QString problem = parseIcs(bytes, cal);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(cal.props.value(u"VERSION"_s), u"2.0"_s);
        QVERIFY(cal.props.value(u"PRODID"_s).contains(u"CertRotor"_s));
        QCOMPARE(cal.children.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const Component& ev = cal.children.at(i);
            const CertificateInfo& info = m_items.at(i).certificate.info();
            QCOMPARE(ev.name, u"VEVENT"_s);
            QCOMPARE(ev.props.value(u"UID"_s), info.sha256Hex() + u"@certrotor"_s);
            QCOMPARE(QDateTime::fromString(ev.props.value(u"DTSTART"_s), u"yyyyMMdd'T'HHmmss'Z'"_s).toSecsSinceEpoch()
                         - QDateTime::fromString(u"19700101T000000Z"_s, u"yyyyMMdd'T'HHmmss'Z'"_s).toSecsSinceEpoch(),
                     info.notAfter);
            QString summary, description;
            QVERIFY(unescapeText(ev.props.value(u"SUMMARY"_s), summary));
            QVERIFY(unescapeText(ev.props.value(u"DESCRIPTION"_s), description));
            QCOMPARE(summary, u"CA certificate expires: "_s + info.subject.commonName);
            QVERIFY(description.contains(m_items.at(i).source));
            QVERIFY(description.contains(info.sha256Hex()));
            QCOMPARE(ev.children.size(), 1);
            QCOMPARE(ev.children.first().name, u"VALARM"_s);
            QCOMPARE(ev.children.first().props.value(u"TRIGGER"_s), u"-P30D"_s);
            QCOMPARE(ev.children.first().props.value(u"ACTION"_s), u"DISPLAY"_s);
        }
    }

    void icsReadsBackWithTheRealIcalendarParser()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"expiry.ics"_s);
        QVERIFY(writeFile(path, expiry::ics(m_items, kNow, 14)));
        const QString script = uR"(import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
for ev in cal.walk('VEVENT'):
    alarm = ev.walk('VALARM')[0]
    print(ev['UID'], ev.decoded('DTSTART').isoformat(), int(alarm.decoded('TRIGGER').total_seconds()), str(ev['SUMMARY']), sep='|')
)"_s;
        const ProcessResult r = runProcess(u"/usr/bin/python3"_s, { u"-c"_s, script, path });
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QStringList rows = QString::fromUtf8(r.out).trimmed().split(u'\n');
        QCOMPARE(rows.size(), 2);
        const QStringList first = rows.first().split(u'|');
        QCOMPARE(first.at(0), m_items.first().certificate.info().sha256Hex() + u"@certrotor"_s);
        QCOMPARE(QDateTime::fromString(first.at(1), Qt::ISODate).toSecsSinceEpoch(),
                 m_items.first().certificate.info().notAfter);
        QCOMPARE(first.at(2), QString::number(-14 * 86400));
        QCOMPARE(first.at(3), u"CA certificate expires: "_s + m_awkward); // escaping undone by a real parser
    }

    void prometheusIsStrictTextFormat()
    {
        QHash<QString, QList<QPair<QHash<QString, QString>, double>>> metrics;
        const QString problem = parsePrometheus(expiry::prometheus(m_items, kNow), metrics);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        const auto& notAfter = metrics.value(u"certrotor_certificate_not_after_timestamp_seconds"_s);
        const auto& left = metrics.value(u"certrotor_certificate_days_left"_s);
        QCOMPARE(notAfter.size(), 2);
        QCOMPARE(left.size(), 2);
        QCOMPARE(notAfter.first().first.value(u"subject"_s), m_items.first().certificate.info().subject.rfc4514);
        QCOMPARE(notAfter.first().first.value(u"source"_s), u"secret://prod/ns/ca#ca.crt"_s);
        QCOMPARE(qint64(notAfter.first().second), m_items.first().certificate.info().notAfter);
        QCOMPARE(left.first().second, 10.0);
        QCOMPARE(left.last().second, -2.0);
        QCOMPARE(left.last().first.value(u"source"_s), u"/etc/ssl/a,b;c.pem"_s);
    }

    // The real promtool (Debian's prometheus package) reads the textfile: no parse error, and no lint remark
    // but the one we keep on purpose — days_left is in days, as operators asked, not the base unit seconds
    // (not_after_timestamp_seconds is the base-unit series).
    void prometheusPassesPromtool()
    {
        QList<ExpiryItem> items = m_items;
        items << m_items.first(); // repeated in one source: still one series
        const ProcessResult r
            = runProcess(u"/usr/bin/promtool"_s, { u"check"_s, u"metrics"_s }, expiry::prometheus(items, kNow));
        QVERIFY2(!r.crashed && !r.timedOut, r.err.constData());
        const QStringList remarks = QString::fromUtf8(r.out + r.err).split(u'\n', Qt::SkipEmptyParts);
        for (const QString& remark : remarks)
            QVERIFY2(remark == u"certrotor_certificate_days_left use base unit \"seconds\" instead of \"days\""_s,
                     qPrintable(remark));
        QVERIFY2(r.exitCode == (remarks.isEmpty() ? 0 : 3), qPrintable(u"exit %1"_s.arg(r.exitCode)));
        // And a broken textfile is refused by it, so the check above can fail.
        const ProcessResult bad = runProcess(u"/usr/bin/promtool"_s, { u"check"_s, u"metrics"_s },
                                             "certrotor_x{subject=\"unterminated} 1\n");
        QCOMPARE(bad.exitCode, 1);
    }

    // One certificate twice in a source is one series and one calendar event; in two sources it is a
    // series per source and one event that names both.
    void repeatsAreOneSeriesAndOneEvent()
    {
        const ExpiryItem& a = m_items.first();
        const QList<ExpiryItem> items { a, a, ExpiryItem { a.certificate, u"/etc/grpc/ca.pem"_s }, m_items.last() };
        QHash<QString, QList<QPair<QHash<QString, QString>, double>>> metrics;
        QVERIFY(parsePrometheus(expiry::prometheus(items, kNow), metrics).isEmpty());
        const auto& series = metrics.value(u"certrotor_certificate_days_left"_s);
        QCOMPARE(series.size(), 3);
        QCOMPARE(series.at(0).first.value(u"source"_s), a.source);
        QCOMPARE(series.at(1).first.value(u"source"_s), u"/etc/grpc/ca.pem"_s);
        QCOMPARE(QJsonDocument::fromJson(expiry::json(items, kNow)).array().size(), 3);

        Component cal;
        QVERIFY(parseIcs(expiry::ics(items, kNow, 30), cal).isEmpty());
        QCOMPARE(cal.children.size(), 2);
        QString description;
        QVERIFY(unescapeText(cal.children.first().props.value(u"DESCRIPTION"_s), description));
        QVERIFY2(description.contains(a.source + u", /etc/grpc/ca.pem"_s), qPrintable(description));
    }

    void cliExportsFilesWithinAWindowAtomically()
    {
        QTemporaryDir dir;
        const QString bundle = dir.filePath(u"ca.pem"_s);
        CertSpec s;
        s.commonName = u"Soon Root"_s;
        s.notBefore = kNow - 86400;
        s.notAfter = kNow + 5 * 86400;
        s.isCA = true;
        CertSpec l = s;
        l.commonName = u"Later Root"_s;
        l.notAfter = kNow + 300 * 86400;
        QVERIFY(writeFile(bundle, issue(l, makeKey()).pem() + issue(s, makeKey()).pem()));
        const QString at = QDateTime::fromSecsSinceEpoch(kNow, Qt::UTC).toString(Qt::ISODate);

        const ProcessResult j = runCli({ u"expiry"_s, u"--at"_s, at, u"--within"_s, u"30"_s, bundle });
        QCOMPARE(j.exitCode, 0);
        const QJsonArray rows = QJsonDocument::fromJson(j.out).array();
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().toObject().value(u"subject"_s).toString(), u"CN=Soon Root"_s);
        QCOMPARE(rows.first().toObject().value(u"daysLeft"_s).toInt(), 5);

        const QString prom = dir.filePath(u"certrotor.prom"_s);
        const ProcessResult p
            = runCli({ u"expiry"_s, u"--format"_s, u"prometheus"_s, u"--at"_s, at, u"-o"_s, prom, bundle });
        QCOMPARE(p.exitCode, 0);
        QHash<QString, QList<QPair<QHash<QString, QString>, double>>> metrics;
        QVERIFY(parsePrometheus(readFile(prom), metrics).isEmpty());
        QCOMPARE(metrics.value(u"certrotor_certificate_days_left"_s).first().second, 5.0); // soonest first
        QCOMPARE(metrics.value(u"certrotor_certificate_days_left"_s).size(), 2);

        // Bad input: a located error, exit 2, nothing written.
        const QString bad = dir.filePath(u"bad.pem"_s);
        QVERIFY(writeFile(bad, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"));
        const QString out = dir.filePath(u"never.ics"_s);
        const ProcessResult b = runCli({ u"expiry"_s, u"--format"_s, u"ics"_s, u"-o"_s, out, bad });
        QCOMPARE(b.exitCode, 2);
        QVERIFY2(b.err.contains("block 1, line"), b.err.constData());
        QVERIFY(!QFile::exists(out));
        QCOMPARE(runCli({ u"expiry"_s, u"--format"_s, u"vcal"_s, bundle }).exitCode, 2);
    }
};

QTEST_GUILESS_MAIN(TestExpiryExport)
#include "TestExpiryExport.moc"
