// SPDX-License-Identifier: GPL-3.0-or-later
// The details the light DER reader reports must match what the real `openssl x509` prints for the
// same certificate: subject/issuer (RFC 2253), serial, dates, fingerprints, SPKI pin, key, signature,
// and every extension the table and details pane show.
#include "CertFactory.h"
#include "TestUtil.h"
#include "util/Clock.h"
#include "x509/Bundle.h"
#include "x509/CertificateJson.h"
#include "x509/Der.h"

#include <QDateTime>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace certrotor;
using namespace certrotor::test;

namespace {

const qint64 kNow = QDateTime(QDate(2026, 11, 22), QTime(12, 0), Qt::UTC).toSecsSinceEpoch();

struct Case
{
    QString name;
    QByteArray pem;
};

QString openssl(const QStringList& args)
{
    const ProcessResult r = runProcess(opensslPath(), args);
    if (r.exitCode != 0)
        qWarning("openssl %s failed: %s", qPrintable(args.join(QLatin1Char(' '))), r.err.constData());
    return QString::fromUtf8(r.out).trimmed();
}

// The value printed on the line after an extension's header in `openssl x509 -text`.
QString extensionBlock(const QString& text, const QString& header)
{
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        if (lines[i].trimmed().startsWith(header)) {
            QStringList body;
            const int indent = int(lines[i].indexOf(header));
            for (int j = i + 1; j < lines.size(); ++j) {
                const int ind = int(lines[j].indexOf(QRegularExpression(QStringLiteral("\\S"))));
                if (ind <= indent)
                    break;
                body << lines[j].trimmed();
            }
            return body.join(QLatin1Char('\n'));
        }
    }
    return {};
}

QString hexOfFingerprintLine(const QString& line)
{
    return line.section(QLatin1Char('='), 1).remove(QLatin1Char(':')).toLower();
}

qint64 parseOpensslDate(const QString& s)
{
    // "Nov 22 12:00:00 2026 GMT"
    QString t = s.simplified();
    t.chop(4);
    const QDateTime dt = QLocale::c().toDateTime(t, QStringLiteral("MMM d HH:mm:ss yyyy"));
    return QDateTime(dt.date(), dt.time(), Qt::UTC).toSecsSinceEpoch();
}

QStringList kuNames(const QStringList& ours)
{
    static const QHash<QString, QString> map = {
        {QStringLiteral("digitalSignature"), QStringLiteral("Digital Signature")},
        {QStringLiteral("nonRepudiation"), QStringLiteral("Non Repudiation")},
        {QStringLiteral("keyEncipherment"), QStringLiteral("Key Encipherment")},
        {QStringLiteral("dataEncipherment"), QStringLiteral("Data Encipherment")},
        {QStringLiteral("keyAgreement"), QStringLiteral("Key Agreement")},
        {QStringLiteral("keyCertSign"), QStringLiteral("Certificate Sign")},
        {QStringLiteral("cRLSign"), QStringLiteral("CRL Sign")},
    };
    QStringList out;
    for (const QString& s : ours)
        out << map.value(s, s);
    return out;
}

QStringList ekuNames(const QStringList& ours)
{
    static const QHash<QString, QString> map = {
        {QStringLiteral("serverAuth"), QStringLiteral("TLS Web Server Authentication")},
        {QStringLiteral("clientAuth"), QStringLiteral("TLS Web Client Authentication")},
        {QStringLiteral("codeSigning"), QStringLiteral("Code Signing")},
        {QStringLiteral("emailProtection"), QStringLiteral("E-mail Protection")},
        {QStringLiteral("timeStamping"), QStringLiteral("Time Stamping")},
        {QStringLiteral("OCSPSigning"), QStringLiteral("OCSP Signing")},
    };
    QStringList out;
    for (const QString& s : ours)
        out << map.value(s, s);
    return out;
}

} // namespace

class TestDetails : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(!opensslPath().isEmpty(), "the openssl command line tool is required");
        QVERIFY(m_dir.isValid());
        const Hierarchy rsa = makeHierarchy(kNow, QStringLiteral("RSA"), KeySpec::rsa(3072));
        const Hierarchy ec = makeHierarchy(kNow, QStringLiteral("EC"), KeySpec::ec("P-384"));
        const Hierarchy ed = makeHierarchy(kNow, QStringLiteral("Ed"), KeySpec::ed25519());
        m_cases << Case{QStringLiteral("rsa-root"), rsa.root.pem()} << Case{QStringLiteral("rsa-intermediate"), rsa.intermediate.pem()}
                << Case{QStringLiteral("rsa-leaf"), rsa.leaf.pem()} << Case{QStringLiteral("ec-intermediate"), ec.intermediate.pem()}
                << Case{QStringLiteral("ec-leaf"), ec.leaf.pem()} << Case{QStringLiteral("ed25519-root"), ed.root.pem()};

        CertSpec full;
        full.commonName = QStringLiteral("Everything, \"Inc\" + Co");
        full.extraSubject = {{QStringLiteral("C"), QStringLiteral("DE")},
                             {QStringLiteral("O"), QStringLiteral("Example; Org")},
                             {QStringLiteral("OU"), QStringLiteral("Platform")},
                             {QStringLiteral("DC"), QStringLiteral("example")},
                             {QStringLiteral("emailAddress"), QStringLiteral("pki@example.com")}};
        full.isCA = true;
        full.pathLen = 1;
        full.notBefore = kNow - 10 * kSecondsPerDay;
        full.notAfter = kNow + 800 * kSecondsPerDay;
        full.keyUsage = {QStringLiteral("keyCertSign"), QStringLiteral("cRLSign"), QStringLiteral("digitalSignature")};
        full.extendedKeyUsage = {QStringLiteral("serverAuth"), QStringLiteral("clientAuth"), QStringLiteral("OCSPSigning")};
        full.subjectAltNames = {QStringLiteral("DNS:ca.example.com"), QStringLiteral("IP:192.0.2.7"),
                                QStringLiteral("IP:2001:db8::1"), QStringLiteral("email:ca@example.com"),
                                QStringLiteral("URI:https://ca.example.com/")};
        full.crlDistributionPoints = {QStringLiteral("http://crl.example.com/ca.crl")};
        full.ocspUrls = {QStringLiteral("http://ocsp.example.com")};
        full.caIssuersUrls = {QStringLiteral("http://ca.example.com/ca.cer")};
        full.permittedDns = {QStringLiteral("example.com"), QStringLiteral("IP:10.0.0.0/255.0.0.0")};
        full.excludedDns = {QStringLiteral("bad.example.com")};
        full.digest = "SHA384";
        m_cases << Case{QStringLiteral("everything"), issue(full, makeKey(KeySpec::ec("P-521")), &rsa.root).pem()};

        CertSpec v1;
        v1.commonName = QStringLiteral("Version One");
        v1.version = 1;
        v1.notBefore = kNow - kSecondsPerDay;
        v1.notAfter = kNow + kSecondsPerDay;
        m_cases << Case{QStringLiteral("v1"), issue(v1, makeKey(KeySpec::rsa(2048))).pem()};

        CertSpec sha1;
        sha1.commonName = QStringLiteral("Legacy SHA1");
        sha1.isCA = true;
        sha1.digest = "SHA1";
        sha1.notBefore = kNow - 4000 * kSecondsPerDay;
        sha1.notAfter = kNow - kSecondsPerDay;
        m_cases << Case{QStringLiteral("sha1-expired"), issue(sha1, makeKey(KeySpec::rsa(1024))).pem()};
        for (const Case& c : std::as_const(m_cases))
            QVERIFY2(c.pem.startsWith("-----BEGIN CERTIFICATE-----"), qPrintable(c.name));
    }

    void matchesOpenssl_data()
    {
        QTest::addColumn<int>("index");
        for (int i = 0; i < m_cases.size(); ++i)
            QTest::newRow(qPrintable(m_cases[i].name)) << i;
    }

    void matchesOpenssl()
    {
        QFETCH(int, index);
        const Case& c = m_cases[index];
        const QString path = m_dir.filePath(c.name + QStringLiteral(".pem"));
        QVERIFY(writeFile(path, c.pem));
        const Bundle bundle = parseBundle(c.pem, path);
        QCOMPARE(bundle.issues.size(), 0);
        QCOMPARE(bundle.entries.size(), 1);
        const CertificateInfo& info = bundle.entries[0].certificate.info();
        const QStringList in{QStringLiteral("x509"), QStringLiteral("-in"), path, QStringLiteral("-noout")};

        const QString names = openssl(in + QStringList{QStringLiteral("-subject"), QStringLiteral("-issuer"),
                                                       QStringLiteral("-nameopt"), QStringLiteral("RFC2253")});
        QCOMPARE(QStringLiteral("subject=") + info.subject.rfc4514 + QStringLiteral("\nissuer=") + info.issuer.rfc4514, names);
        QCOMPARE(openssl(in + QStringList{QStringLiteral("-serial")}), QStringLiteral("serial=") + info.serialHex);

        const QStringList dates = openssl(in + QStringList{QStringLiteral("-dates")}).split(QLatin1Char('\n'));
        QCOMPARE(parseOpensslDate(dates[0].section(QLatin1Char('='), 1)), info.notBefore);
        QCOMPARE(parseOpensslDate(dates[1].section(QLatin1Char('='), 1)), info.notAfter);

        QCOMPARE(hexOfFingerprintLine(openssl(in + QStringList{QStringLiteral("-fingerprint"), QStringLiteral("-sha256")})),
                 info.sha256Hex());
        QCOMPARE(hexOfFingerprintLine(openssl(in + QStringList{QStringLiteral("-fingerprint"), QStringLiteral("-sha1")})),
                 info.sha1Hex());

        // SPKI pin: SHA-256 of the DER SubjectPublicKeyInfo that `openssl x509 -pubkey` prints.
        const QString pub = openssl(in + QStringList{QStringLiteral("-pubkey")});
        QByteArray b64;
        for (const QString& line : pub.split(QLatin1Char('\n')))
            if (!line.startsWith(QLatin1String("-----")))
                b64 += line.toLatin1();
        QCOMPARE(QString::fromLatin1(QCryptographicHash::hash(QByteArray::fromBase64(b64), QCryptographicHash::Sha256).toBase64()),
                 info.spkiPin());

        const QString text = openssl(in + QStringList{QStringLiteral("-text")});
        QVERIFY(text.contains(QStringLiteral("Signature Algorithm: ") + info.signatureAlgorithm, Qt::CaseInsensitive));
        QVERIFY(text.contains(QStringLiteral("Version: %1 ").arg(info.version)));
        if (info.keyAlgorithm == QLatin1String("RSA") || info.keyAlgorithm == QLatin1String("EC"))
            QVERIFY2(text.contains(QStringLiteral("Public-Key: (%1 bit)").arg(info.keyBits)), qPrintable(info.keyDescription()));
        if (info.keyAlgorithm == QLatin1String("EC"))
            QVERIFY(text.contains(QStringLiteral("NIST CURVE: ") + info.curve));
        if (info.keyAlgorithm == QLatin1String("Ed25519"))
            QVERIFY(text.contains(QStringLiteral("Public Key Algorithm: ED25519")));

        const QString bc = extensionBlock(text, QStringLiteral("X509v3 Basic Constraints"));
        QCOMPARE(info.hasBasicConstraints, !bc.isEmpty());
        if (info.hasBasicConstraints) {
            QString expected = info.isCA ? QStringLiteral("CA:TRUE") : QStringLiteral("CA:FALSE");
            if (info.pathLen >= 0)
                expected += QStringLiteral(", pathlen:%1").arg(info.pathLen);
            QCOMPARE(bc, expected);
        }
        QCOMPARE(extensionBlock(text, QStringLiteral("X509v3 Key Usage")), kuNames(info.keyUsage()).join(QStringLiteral(", ")));
        QCOMPARE(extensionBlock(text, QStringLiteral("X509v3 Extended Key Usage")),
                 ekuNames(info.extendedKeyUsage).join(QStringLiteral(", ")));
        QCOMPARE(extensionBlock(text, QStringLiteral("X509v3 Subject Key Identifier")),
                 info.subjectKeyId.isEmpty() ? QString() : der::hex(info.subjectKeyId, true));
        QString aki = extensionBlock(text, QStringLiteral("X509v3 Authority Key Identifier"));
        aki.remove(QStringLiteral("keyid:")); // OpenSSL 3.0 prints the bare hex; older versions prefixed it
        QCOMPARE(aki.section(QLatin1Char('\n'), 0, 0), info.authorityKeyId.isEmpty() ? QString() : der::hex(info.authorityKeyId, true));
        QString san = extensionBlock(text, QStringLiteral("X509v3 Subject Alternative Name"));
        san.replace(QStringLiteral("IP Address:"), QStringLiteral("IP:"));
        QCOMPARE(san, info.subjectAltNames.join(QStringLiteral(", ")));

        const QString crl = extensionBlock(text, QStringLiteral("X509v3 CRL Distribution Points"));
        for (const QString& uri : info.crlDistributionPoints)
            QVERIFY2(crl.contains(QStringLiteral("URI:") + uri), qPrintable(crl));
        QCOMPARE(crl.count(QStringLiteral("URI:")), int(info.crlDistributionPoints.size()));
        const QString aia = extensionBlock(text, QStringLiteral("Authority Information Access"));
        for (const QString& uri : info.ocspUrls)
            QVERIFY(aia.contains(QStringLiteral("OCSP - URI:") + uri));
        for (const QString& uri : info.caIssuersUrls)
            QVERIFY(aia.contains(QStringLiteral("CA Issuers - URI:") + uri));
        QCOMPARE(aia.count(QStringLiteral("URI:")), int(info.ocspUrls.size() + info.caIssuersUrls.size()));
        QString nc = extensionBlock(text, QStringLiteral("X509v3 Name Constraints"));
        nc.replace(QStringLiteral("IP Address:"), QStringLiteral("IP:"));
        QString expectedNc;
        if (!info.permittedSubtrees.isEmpty())
            expectedNc += QStringLiteral("Permitted:\n") + info.permittedSubtrees.join(QLatin1Char('\n'));
        if (!info.excludedSubtrees.isEmpty())
            expectedNc += (expectedNc.isEmpty() ? QString() : QStringLiteral("\n")) + QStringLiteral("Excluded:\n")
                + info.excludedSubtrees.join(QLatin1Char('\n'));
        QCOMPARE(nc, expectedNc);

        // Self-signed: what OpenSSL's own check says (it verifies the signature).
        const ProcessResult self = runProcess(opensslPath(), {QStringLiteral("verify"), QStringLiteral("-no-CApath"),
                                                              QStringLiteral("-no-CAfile"), QStringLiteral("-CAfile"),
                                                              path, QStringLiteral("-no_check_time"), path});
        QCOMPARE(info.selfSigned, self.exitCode == 0);
    }

    void everythingCaseHasEveryField()
    {
        // Guards the data above: the comparison is only as good as the fields it exercised.
        const Bundle b = parseBundle(m_cases[6].pem, QStringLiteral("everything"));
        const CertificateInfo& i = b.entries[0].certificate.info();
        QCOMPARE(i.subject.commonName, QStringLiteral("Everything, \"Inc\" + Co"));
        QVERIFY(i.subject.rfc4514.contains(QStringLiteral("CN=Everything\\, \\\"Inc\\\" \\+ Co")));
        QCOMPARE(i.pathLen, 1);
        QCOMPARE(i.keyDescription(), QStringLiteral("EC P-521"));
        QCOMPARE(i.signatureAlgorithm, QStringLiteral("sha384WithRSAEncryption"));
        QCOMPARE(i.subjectAltNames.size(), 5);
        QCOMPARE(i.crlDistributionPoints, QStringList{QStringLiteral("http://crl.example.com/ca.crl")});
        QCOMPARE(i.ocspUrls, QStringList{QStringLiteral("http://ocsp.example.com")});
        QCOMPARE(i.permittedSubtrees, (QStringList{QStringLiteral("DNS:example.com"), QStringLiteral("IP:10.0.0.0/255.0.0.0")}));
        QCOMPARE(i.excludedSubtrees, QStringList{QStringLiteral("DNS:bad.example.com")});
        QVERIFY(!i.selfSigned);
    }

    void jsonCarriesEveryDetail()
    {
        const Bundle b = parseBundle(m_cases[6].pem, QStringLiteral("everything.pem"));
        const QJsonObject o = json::certificate(b.entries[0], kNow, {});
        for (const char* key : {"subject", "issuer", "serial", "notBefore", "notAfter", "daysLeft", "sha256", "sha1",
                                "spkiSha256", "keyAlgorithm", "keyBits", "signatureAlgorithm", "isCA", "pathLen", "keyUsage",
                                "extendedKeyUsage", "ski", "aki", "sans", "selfSigned", "findings", "source",
                                "crlDistributionPoints", "ocsp", "caIssuers", "nameConstraints"})
            QVERIFY2(o.contains(QLatin1String(key)), key);
        QCOMPARE(o[QLatin1String("daysLeft")].toInt(), 800);
        QCOMPARE(o[QLatin1String("notAfter")].toString(), isoUtc(kNow + 800 * kSecondsPerDay));
        QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{64}$")).match(o[QLatin1String("sha256")].toString()).hasMatch());
        QCOMPARE(o[QLatin1String("source")].toObject()[QLatin1String("block")].toInt(), 1);
    }

private:
    QTemporaryDir m_dir;
    QList<Case> m_cases;
};

QTEST_GUILESS_MAIN(TestDetails)
#include "TestDetails.moc"
