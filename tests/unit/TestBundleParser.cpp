// SPDX-License-Identifier: GPL-3.0-or-later
// Bundle parsing: every input format, and bad input that must be located, reported and survived.
#include "CertFactory.h"
#include "TestUtil.h"
#include "x509/Bundle.h"

#include <QDateTime>
#include <QDir>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

using namespace certrotor;
using namespace certrotor::test;

namespace {

const qint64 kNow = QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC).toSecsSinceEpoch();

Issued makeCa(const QString& cn, KeySpec key = {})
{
    CertSpec spec;
    spec.commonName = cn;
    spec.isCA = true;
    spec.notBefore = kNow - kSecondsPerDay;
    spec.notAfter = kNow + 365 * kSecondsPerDay;
    return issue(spec, makeKey(key));
}

QStringList lines(const QByteArray& text)
{
    return QString::fromLatin1(text).split(QLatin1Char('\n'));
}

} // namespace

class TestBundleParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        m_a = makeCa(QStringLiteral("Alpha CA"));
        m_b = makeCa(QStringLiteral("Beta CA"), KeySpec::rsa(2048));
        m_c = makeCa(QStringLiteral("Gamma CA"), KeySpec::ec("P-384"));
        QVERIFY(m_a.cert && m_b.cert && m_c.cert);
        QVERIFY(m_dir.isValid());
    }

    void pemWithTextBetweenBlocks()
    {
        // Like ca-certificates.crt: comments and blank lines between the blocks.
        const QByteArray pem = "# Alpha\nsome words\n\n" + m_a.pem() + "\n# Beta\n" + m_b.pem() + "trailing text\n";
        const Bundle b = parseBundle(pem, QStringLiteral("bundle.pem"));
        QCOMPARE(b.issues.size(), 0);
        QCOMPARE(b.entries.size(), 2);
        QCOMPARE(b.entries[0].certificate.info().subject.commonName, QStringLiteral("Alpha CA"));
        QCOMPARE(b.entries[1].certificate.info().subject.commonName, QStringLiteral("Beta CA"));
        QCOMPARE(b.entries[0].source.block, 1);
        QCOMPARE(b.entries[0].source.line, 4); // the BEGIN line
        QCOMPARE(b.entries[1].source.block, 2);
        QCOMPARE(b.entries[0].certificate.der(), m_a.der());
    }

    void crlfLineEndings()
    {
        QByteArray pem = m_a.pem() + m_b.pem();
        pem.replace("\n", "\r\n");
        const Bundle b = parseBundle(pem, QStringLiteral("crlf.pem"));
        QCOMPARE(b.issues.size(), 0);
        QCOMPARE(b.entries.size(), 2);
    }

    void trustedCertificateBlock()
    {
        const QString in = m_dir.filePath(QStringLiteral("a.pem"));
        QVERIFY(writeFile(in, m_a.pem()));
        const ProcessResult r = runProcess(opensslPath(), {QStringLiteral("x509"), QStringLiteral("-in"), in,
                                                           QStringLiteral("-addtrust"), QStringLiteral("serverAuth"),
                                                           QStringLiteral("-trustout")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("BEGIN TRUSTED CERTIFICATE"));
        const Bundle b = parseBundle(r.out, QStringLiteral("trusted.pem"));
        QCOMPARE(b.issues.size(), 0);
        QCOMPARE(b.entries.size(), 1);
        QCOMPARE(b.entries[0].certificate.der(), m_a.der()); // the auxiliary trust data is not part of the certificate
    }

    void singleDer()
    {
        const Bundle b = parseBundle(m_b.der(), QStringLiteral("ca.der"));
        QCOMPARE(b.issues.size(), 0);
        QCOMPARE(b.entries.size(), 1);
        QCOMPARE(b.entries[0].certificate.info().subject.commonName, QStringLiteral("Beta CA"));
        QCOMPARE(b.entries[0].source.block, 0);
    }

    void derWithTrailingBytes()
    {
        const Bundle b = parseBundle(QByteArray(m_b.der() + QByteArray(7, '\0')), QStringLiteral("ca.der"));
        QCOMPARE(b.entries.size(), 1);
        QCOMPARE(b.issues.size(), 1);
        QCOMPARE(b.issues[0].severity, ParseIssue::Severity::Warning);
        QVERIFY2(b.issues[0].message.contains(QLatin1String("7 bytes")), qPrintable(b.issues[0].text()));
    }

    void pkcs7_data()
    {
        QTest::addColumn<QString>("outform");
        QTest::newRow("PEM") << QStringLiteral("PEM");
        QTest::newRow("DER") << QStringLiteral("DER");
    }

    void pkcs7()
    {
        QFETCH(QString, outform);
        const QString in = m_dir.filePath(QStringLiteral("three.pem"));
        QVERIFY(writeFile(in, m_a.pem() + m_b.pem() + m_c.pem()));
        const ProcessResult r = runProcess(opensslPath(), {QStringLiteral("crl2pkcs7"), QStringLiteral("-nocrl"),
                                                           QStringLiteral("-certfile"), in, QStringLiteral("-outform"),
                                                           outform});
        QCOMPARE(r.exitCode, 0);
        const Bundle b = parseBundle(r.out, QStringLiteral("bundle.p7b"));
        QVERIFY2(b.issues.isEmpty(), b.issues.isEmpty() ? "" : qPrintable(b.issues[0].text()));
        QCOMPARE(b.entries.size(), 3);
        QSet<QString> names;
        for (const BundleEntry& e : b.entries)
            names.insert(e.certificate.info().subject.commonName);
        QCOMPARE(names, (QSet<QString>{QStringLiteral("Alpha CA"), QStringLiteral("Beta CA"), QStringLiteral("Gamma CA")}));
        QCOMPARE(b.entries[2].source.item, 3);
    }

    void emptyInput_data()
    {
        QTest::addColumn<QByteArray>("data");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("whitespace") << QByteArray(" \n\r\n\t\n");
    }

    void emptyInput()
    {
        QFETCH(QByteArray, data);
        const Bundle b = parseBundle(data, QStringLiteral("empty.pem"));
        QCOMPARE(b.entries.size(), 0);
        QCOMPARE(b.issues.size(), 1);
        QVERIFY(b.hasErrors());
        QCOMPARE(b.issues[0].text(), QStringLiteral("empty.pem: empty input: no certificates"));
    }

    void blockCutInHalfBetweenGoodBlocks()
    {
        // Block 2 loses its second half (and its END line); blocks 1 and 3 must still be read.
        const QByteArray second = m_b.pem();
        const QByteArray half = second.left(second.size() / 2);
        const QByteArray pem = m_a.pem() + half + "\n" + m_c.pem();
        const int secondBegin = int(lines(m_a.pem()).size()); // 1-based line of block 2's BEGIN
        const Bundle b = parseBundle(pem, QStringLiteral("cut.pem"));
        QCOMPARE(b.entries.size(), 2);
        QCOMPARE(b.entries[0].certificate.info().subject.commonName, QStringLiteral("Alpha CA"));
        QCOMPARE(b.entries[1].certificate.info().subject.commonName, QStringLiteral("Gamma CA"));
        QCOMPARE(b.entries[1].source.block, 3);
        QCOMPARE(b.issues.size(), 1);
        const ParseIssue& issue = b.issues[0];
        QCOMPARE(issue.severity, ParseIssue::Severity::Error);
        QCOMPARE(issue.where.block, 2);
        QCOMPARE(issue.where.line, secondBegin);
        QVERIFY2(issue.message.contains(QLatin1String("truncated")), qPrintable(issue.text()));
        QVERIFY2(issue.text().startsWith(QStringLiteral("cut.pem: block 2, line %1: ").arg(secondBegin)), qPrintable(issue.text()));
    }

    void inputEndsInsideBlock()
    {
        const QByteArray pem = m_a.pem() + m_b.pem().left(200);
        const Bundle b = parseBundle(pem, QStringLiteral("short.pem"));
        QCOMPARE(b.entries.size(), 1);
        QCOMPARE(b.issues.size(), 1);
        QVERIFY(b.issues[0].message.contains(QLatin1String("input ends")));
    }

    void invalidBase64Character()
    {
        QByteArray second = m_b.pem();
        QList<QByteArray> ls = second.split('\n');
        ls[5][10] = '!'; // line 6 of block 2
        second = ls.join('\n');
        const QByteArray pem = m_a.pem() + second;
        const int expectedLine = int(lines(m_a.pem()).size()) + 5;
        const Bundle b = parseBundle(pem, QStringLiteral("bad.pem"));
        QCOMPARE(b.entries.size(), 1);
        QCOMPARE(b.issues.size(), 1);
        QCOMPARE(b.issues[0].text(),
                 QStringLiteral("bad.pem: block 2, line %1: invalid character '!' in base64").arg(expectedLine));
    }

    void truncatedBase64()
    {
        // Drop three characters from the last base64 line: the block is no longer a multiple of 4.
        QList<QByteArray> ls = m_a.pem().split('\n');
        const int last = int(ls.size()) - 3; // ..., last base64 line, END line, ""
        ls[last].chop(3);
        const Bundle b = parseBundle(QByteArray(ls.join('\n') + m_b.pem()), QStringLiteral("t.pem"));
        QCOMPARE(b.entries.size(), 1);
        QCOMPARE(b.issues.size(), 1);
        QCOMPARE(b.issues[0].where.block, 1);
        QCOMPARE(b.issues[0].where.line, last + 1);
        QVERIFY2(b.issues[0].message.startsWith(QLatin1String("truncated base64")), qPrintable(b.issues[0].text()));
    }

    void validBase64ButBrokenDer()
    {
        const QByteArray der = m_a.der().left(m_a.der().size() - 40);
        const QByteArray pem = "-----BEGIN CERTIFICATE-----\n" + der.toBase64() + "\n-----END CERTIFICATE-----\n";
        const Bundle b = parseBundle(pem, QStringLiteral("der.pem"));
        QCOMPARE(b.entries.size(), 0);
        QVERIFY(b.hasErrors());
        QVERIFY2(b.issues[0].message.startsWith(QLatin1String("DER error at byte")), qPrintable(b.issues[0].text()));
    }

    void mismatchedEndLabel()
    {
        QByteArray pem = m_a.pem();
        pem.replace("-----END CERTIFICATE-----", "-----END X509 CRL-----");
        const Bundle b = parseBundle(QByteArray(pem + m_b.pem()), QStringLiteral("m.pem"));
        QCOMPARE(b.entries.size(), 1);
        QVERIFY(b.issues[0].message.contains(QLatin1String("END line")));
    }

    void privateKeyIsReportedNeverEchoed()
    {
        const QByteArray key = m_a.keyPem();
        const Bundle b = parseBundle(QByteArray(m_a.pem() + key), QStringLiteral("k.pem"));
        QCOMPARE(b.entries.size(), 1);
        QCOMPARE(b.issues.size(), 1);
        QCOMPARE(b.issues[0].severity, ParseIssue::Severity::Warning);
        QVERIFY(b.issues[0].message.contains(QLatin1String("private key")));
        const QList<QByteArray> keyLines = key.split('\n');
        QVERIFY(!b.issues[0].text().toLatin1().contains(keyLines[1].left(20)));
    }

    void derGarbage()
    {
        QByteArray garbage("\x30\x82\x10\x00", 4);
        garbage += QByteArray(100, '\x42');
        const Bundle b = parseBundle(garbage, QStringLiteral("g.der"));
        QCOMPARE(b.entries.size(), 0);
        QCOMPARE(b.issues.size(), 1);
        QVERIFY2(b.issues[0].message.contains(QLatin1String("not a DER certificate")), qPrintable(b.issues[0].text()));
        QVERIFY2(b.issues[0].message.contains(QLatin1String("runs past the end")), qPrintable(b.issues[0].text()));
    }

    void notABundle()
    {
        const Bundle b = parseBundle(QByteArray("hello, I am plain text\n"), QStringLiteral("t.txt"));
        QCOMPARE(b.entries.size(), 0);
        QVERIFY(b.hasErrors());
        QVERIFY(b.issues[0].message.contains(QLatin1String("no PEM block")));
    }

    void randomBytes20MB()
    {
        QByteArray data(20 * 1024 * 1024, Qt::Uninitialized);
        QRandomGenerator gen(42);
        gen.fillRange(reinterpret_cast<quint32*>(data.data()), data.size() / 4);
        for (const char first : {'\x30', '\x01'}) { // once as "DER-looking", once not
            data[0] = first;
            const Bundle b = parseBundle(data, QStringLiteral("random.bin"));
            QCOMPARE(b.entries.size(), 0);
            QVERIFY(b.hasErrors());
            QVERIFY(!b.issues[0].message.isEmpty());
        }
    }

    void randomBytesInsidePemBlocks()
    {
        // Random noise framed as PEM: every block fails with a located error, nothing crashes.
        QByteArray pem;
        QRandomGenerator gen(7);
        for (int i = 0; i < 200; ++i) {
            QByteArray noise(gen.bounded(1, 2000), Qt::Uninitialized);
            for (char& c : noise)
                c = char(gen.bounded(256));
            pem += "-----BEGIN CERTIFICATE-----\n" + (i % 2 ? noise.toBase64() : noise) + "\n-----END CERTIFICATE-----\n";
        }
        const Bundle b = parseBundle(pem, QStringLiteral("noise.pem"));
        QCOMPARE(b.entries.size(), 0);
        QCOMPARE(b.issues.size(), 200);
        for (const ParseIssue& issue : b.issues)
            QVERIFY(issue.where.block > 0);
    }

    void mutatedDerNeverCrashes()
    {
        // Deterministic mutation fuzzing of the DER reader: flip, truncate and splice bytes of real
        // certificates. Every outcome must be a parsed certificate or a located error.
        QRandomGenerator gen(1234);
        const QList<QByteArray> seeds{m_a.der(), m_b.der(), m_c.der()};
        int parsed = 0, rejected = 0;
        for (int round = 0; round < 6000; ++round) {
            QByteArray der = seeds[round % seeds.size()];
            switch (round % 4) {
            case 0:
                for (int k = 0; k < 1 + int(gen.bounded(4)); ++k)
                    der[gen.bounded(int(der.size()))] = char(gen.bounded(256));
                break;
            case 1:
                der.truncate(gen.bounded(int(der.size())));
                break;
            case 2: // lengths are where DER readers break: hit the first 40 bytes
                der[gen.bounded(std::min<int>(40, int(der.size())))] = char(gen.bounded(256));
                break;
            default:
                der.insert(gen.bounded(int(der.size())), QByteArray(int(gen.bounded(1, 8)), char(gen.bounded(256))));
                break;
            }
            const Bundle b = parseBundle(der, QStringLiteral("m.der"), ParseOptions{false});
            if (b.entries.size() == 1) {
                ++parsed;
            } else {
                QCOMPARE(b.entries.size(), 0);
                QVERIFY(b.hasErrors());
                QVERIFY(!b.issues[0].message.isEmpty());
                ++rejected;
            }
        }
        QVERIFY(parsed > 0);
        QVERIFY(rejected > 1000);
    }

    void fiftyThousandCertificates()
    {
        const QByteArray pem = makeBulkPemBundle(50000, kNow, 8, false);
        QVERIFY(!pem.isEmpty());
        const Bundle b = parseBundle(pem, QStringLiteral("big.pem"));
        QCOMPARE(b.issues.size(), 0);
        QCOMPARE(b.entries.size(), 50000);
        QCOMPARE(b.entries.last().source.block, 50000);
        QCOMPARE(b.entries[49999].certificate.info().subject.commonName, QStringLiteral("Bulk CA 49999"));
        // The revision hash (computed beside the decoding for big inputs) is the input's SHA-256.
        QCOMPARE(b.contentSha256, QCryptographicHash::hash(pem, QCryptographicHash::Sha256));
        QCOMPARE(parseBundle(m_a.pem(), QStringLiteral("a")).contentSha256,
                 QCryptographicHash::hash(m_a.pem(), QCryptographicHash::Sha256));
        // the serial parse and the parallel path agree
        const Bundle serial = parseBundle(pem.left(pem.size() / 50), QStringLiteral("x"), ParseOptions{false});
        QCOMPARE(serial.entries[10].certificate.der(), b.entries[10].certificate.der());
    }

    void thousandSans()
    {
        CertSpec spec;
        spec.commonName = QStringLiteral("many.example");
        spec.notBefore = kNow - kSecondsPerDay;
        spec.notAfter = kNow + kSecondsPerDay * 30;
        for (int i = 0; i < 1000; ++i)
            spec.subjectAltNames << QStringLiteral("DNS:host%1.example.com").arg(i);
        spec.subjectAltNames << QStringLiteral("IP:10.1.2.3") << QStringLiteral("IP:::1")
                             << QStringLiteral("email:ops@example.com") << QStringLiteral("URI:https://example.com/x");
        const Issued leaf = issue(spec, makeKey());
        QVERIFY(leaf.cert);
        const Bundle b = parseBundle(leaf.pem(), QStringLiteral("sans.pem"));
        QCOMPARE(b.issues.size(), 0);
        const QStringList sans = b.entries[0].certificate.info().subjectAltNames;
        QCOMPARE(sans.size(), 1004);
        QCOMPARE(sans[999], QStringLiteral("DNS:host999.example.com"));
        QCOMPARE(sans[1000], QStringLiteral("IP:10.1.2.3"));
        QCOMPARE(sans[1001], QStringLiteral("IP:0:0:0:0:0:0:0:1"));
        QCOMPARE(sans[1002], QStringLiteral("email:ops@example.com"));
        QCOMPARE(sans[1003], QStringLiteral("URI:https://example.com/x"));
    }

    void certificateFromDerRejectsTrailingData()
    {
        QVERIFY(Certificate::fromDer(m_a.der()).ok());
        const Result<Certificate> r = Certificate::fromDer(m_a.der() + "x");
        QVERIFY(!r.ok());
        QVERIFY(r.error().message.contains(QLatin1String("unexpected data")));
        const Result<Certificate> p = Certificate::fromPem(m_b.pem());
        QVERIFY(p.ok());
        QCOMPARE(p.value().toPem(), m_b.pem());
        QVERIFY(p.value().x509() != nullptr);
    }

    void filesOfADirectory()
    {
        // A Secret volume (`ca.crt -> ..data/ca.crt`) beside c_rehash links and hidden files.
        const QString dir = m_dir.filePath(QStringLiteral("volume"));
        QVERIFY(QDir().mkpath(dir + QStringLiteral("/..2026_11_22_10_00_00.1")));
        QVERIFY(writeFile(dir + QStringLiteral("/..2026_11_22_10_00_00.1/ca.crt"), m_a.pem()));
        QVERIFY(QFile::link(QStringLiteral("..2026_11_22_10_00_00.1"), dir + QStringLiteral("/..data")));
        QVERIFY(QFile::link(QStringLiteral("..data/ca.crt"), dir + QStringLiteral("/ca.crt")));
        QVERIFY(writeFile(dir + QStringLiteral("/b.pem"), m_b.pem()));
        QVERIFY(QFile::link(QStringLiteral("b.pem"), dir + QStringLiteral("/0a1b2c3d.0")));
        QVERIFY(QFile::link(QStringLiteral("gone.pem"), dir + QStringLiteral("/dangling.pem")));
        QVERIFY(writeFile(dir + QStringLiteral("/.swap"), "x"));
        const QStringList files = bundleFilesInDirectory(dir);
        QCOMPARE(files, (QStringList{dir + QStringLiteral("/0a1b2c3d.0"), dir + QStringLiteral("/ca.crt")}));
    }

    void loadFileErrors()
    {
        const Result<Bundle> missing = loadBundleFile(m_dir.filePath(QStringLiteral("nope.pem")));
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().text().contains(QLatin1String("nope.pem")));
        const Result<Bundle> dir = loadBundleFile(m_dir.path());
        QVERIFY(!dir.ok());
        QVERIFY(dir.error().message.contains(QLatin1String("directory")));
    }

private:
    QTemporaryDir m_dir;
    Issued m_a, m_b, m_c;
};

QTEST_GUILESS_MAIN(TestBundleParser)
#include "TestBundleParser.moc"
