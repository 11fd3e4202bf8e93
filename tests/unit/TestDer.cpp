// SPDX-License-Identifier: GPL-3.0-or-later
// The light DER reader: lengths, tags, OIDs and times, including the malformed cases.
#include "x509/Der.h"

#include <QDateTime>
#include <QtTest>

using namespace certrotor;

namespace {

der::Element element(const QByteArray& bytes, bool* ok = nullptr, QString* error = nullptr)
{
    const auto* p = reinterpret_cast<const std::uint8_t*>(bytes.constData());
    der::Reader r(p, p + bytes.size());
    der::Element e;
    const bool good = r.next(e);
    if (ok)
        *ok = good;
    if (error)
        *error = r.error();
    return e;
}

} // namespace

class TestDer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lengths()
    {
        bool ok = false;
        QByteArray longForm("\x04\x81\x80", 3);
        longForm += QByteArray(128, 'x');
        const der::Element e = element(longForm, &ok);
        QVERIFY(ok);
        QCOMPARE(e.length, std::size_t(128));
        QCOMPARE(e.totalSize(), std::size_t(131));
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("DER error at byte 0: unexpected end of data");
        QTest::newRow("no length") << QByteArray("\x30", 1) << QStringLiteral("DER error at byte 1: length is missing");
        QTest::newRow("indefinite") << QByteArray("\x30\x80\x00\x00", 4)
                                    << QStringLiteral("DER error at byte 1: indefinite length is not DER");
        QTest::newRow("too long") << QByteArray("\x30\x05\x01", 3)
                                  << QStringLiteral("DER error at byte 0: element of 5 bytes runs past the end of its container (1 bytes left)");
        QTest::newRow("huge length field") << QByteArray("\x30\x89\x01\x02\x03\x04\x05\x06\x07\x08\x09", 11)
                                           << QStringLiteral("DER error at byte 1: length field is too long or truncated");
        QTest::newRow("multi-byte tag") << QByteArray("\x1f\x81\x01\x00", 4)
                                        << QStringLiteral("DER error at byte 0: multi-byte tags are not used in certificates");
    }

    void malformed()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, message);
        bool ok = true;
        QString error;
        element(bytes, &ok, &error);
        QVERIFY(!ok);
        QCOMPARE(error, message);
    }

    void oids_data()
    {
        QTest::addColumn<QString>("dotted");
        QTest::newRow("CN") << QStringLiteral("2.5.4.3");
        QTest::newRow("sha256WithRSA") << QStringLiteral("1.2.840.113549.1.1.11");
        QTest::newRow("big arc") << QStringLiteral("1.3.6.1.4.1.311.60.2.1.3");
        QTest::newRow("uuid-ish") << QStringLiteral("2.25.329800735698586629295641978511506172918");
    }

    void oids()
    {
        QFETCH(QString, dotted);
        const std::string encoded = der::encodeOid(dotted.toStdString());
        QByteArray bytes;
        bytes += char(der::Oid);
        bytes += char(encoded.size());
        bytes += QByteArray::fromStdString(encoded);
        const der::Element e = element(bytes);
        const std::string back = der::oidToString(e);
        if (dotted.size() > 30)
            QCOMPARE(back, std::string()); // arcs beyond 64 bits are refused, not wrapped
        else
            QCOMPARE(QString::fromStdString(back), dotted);
    }

    void times_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("iso");
        QTest::newRow("utc 20xx") << QByteArray("\x17\x0d" "261122120000Z") << QStringLiteral("2026-11-22T12:00:00Z");
        QTest::newRow("utc 19xx") << QByteArray("\x17\x0d" "991231235959Z") << QStringLiteral("1999-12-31T23:59:59Z");
        QTest::newRow("generalized") << QByteArray("\x18\x0f" "21000229000000Z") << QString(); // not a leap year
        QTest::newRow("generalized ok") << QByteArray("\x18\x0f" "20500101000000Z") << QStringLiteral("2050-01-01T00:00:00Z");
        QTest::newRow("no Z") << QByteArray("\x17\x0d" "2611221200000") << QString();
        QTest::newRow("letters") << QByteArray("\x17\x0d" "26112212AB00Z") << QString();
        QTest::newRow("month 13") << QByteArray("\x17\x0d" "261322120000Z") << QString();
    }

    void times()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, iso);
        const der::Element e = element(bytes);
        qint64 secs = 0;
        const bool ok = der::parseTime(e, secs);
        QCOMPARE(ok, !iso.isEmpty());
        if (ok)
            QCOMPARE(QDateTime::fromSecsSinceEpoch(secs, Qt::UTC).toString(Qt::ISODate), iso);
    }

    void strings()
    {
        QString s;
        QVERIFY(der::parseString(element(QByteArray("\x1e\x04\x00\x41\x00\xe9", 6)), s));
        QCOMPARE(s, QStringLiteral("A\u00e9"));
        QVERIFY(der::parseString(element(QByteArray("\x0c\x03\xc3\xa9x", 5)), s));
        QCOMPARE(s, QStringLiteral("\u00e9x"));
        QVERIFY(!der::parseString(element(QByteArray("\x02\x01\x05", 3)), s)); // an INTEGER is not a string
    }

    void hex()
    {
        const QByteArray b("\x0a\xff\x10", 3);
        QCOMPARE(der::hex(b, false), QStringLiteral("0aff10"));
        QCOMPARE(der::hex(b, true), QStringLiteral("0A:FF:10"));
        QCOMPARE(der::hex(QByteArray(), true), QString());
    }
};

QTEST_GUILESS_MAIN(TestDer)
#include "TestDer.moc"
