// SPDX-License-Identifier: GPL-3.0-or-later
// The probe's pure parts: gRPC framing and protobuf by hand, target parsing, the bundle digest,
// client identities (encrypted keys, mismatches), and the rotation verdict.
#include "CertFactory.h"
#include "probe/ClientIdentity.h"
#include "probe/GrpcWire.h"
#include "probe/ProbePlan.h"
#include "probe/ProbeResult.h"
#include "probe/SocketTuning.h"
#include "x509/OpenSsl.h"

#include <QDateTime>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <openssl/evp.h>
#include <openssl/pem.h>

using namespace certrotor;
using namespace certrotor::grpcwire;

class TestProbeUnit : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void requestEncodingMatchesProtobuf()
    {
        // What protoc-generated code writes for HealthCheckRequest{service: "payments"}.
        QCOMPARE(encodeHealthCheckRequest(QStringLiteral("payments")), QByteArray("\x0a\x08payments", 10));
        QCOMPARE(encodeHealthCheckRequest(QString()), QByteArray()); // proto3 default: nothing
        const QString longName(200, QLatin1Char('s')); // length needs a two-byte varint
        const QByteArray enc = encodeHealthCheckRequest(longName);
        QCOMPARE(enc.left(3), QByteArray("\x0a\xc8\x01", 3));
        QCOMPARE(enc.size(), 203);
        QCOMPARE(frame(QByteArray("\x08\x01", 2)), QByteArray("\x00\x00\x00\x00\x02\x08\x01", 7));
    }

    void responseDecoding_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("serving") << QByteArray("\x00\x00\x00\x00\x02\x08\x01", 7) << true << 1 << QString();
        QTest::newRow("not serving") << QByteArray("\x00\x00\x00\x00\x02\x08\x02", 7) << true << 2 << QString();
        QTest::newRow("empty message = UNKNOWN") << QByteArray("\x00\x00\x00\x00\x00", 5) << true << 0 << QString();
        QTest::newRow("unknown field skipped") << QByteArray("\x00\x00\x00\x00\x06\x12\x02hi\x08\x01", 11) << true << 1
                                               << QString();
        QTest::newRow("truncated header") << QByteArray("\x00\x00\x00", 3) << false << 0 << QStringLiteral("frame header");
        QTest::newRow("truncated message") << QByteArray("\x00\x00\x00\x00\x05\x08", 6) << false << 0
                                           << QStringLiteral("inside a gRPC message");
        QTest::newRow("compressed") << QByteArray("\x01\x00\x00\x00\x02\x08\x01", 7) << false << 0
                                    << QStringLiteral("compressed");
        QTest::newRow("status out of range") << QByteArray("\x00\x00\x00\x00\x02\x08\x09", 7) << false << 0
                                             << QStringLiteral("unknown serving status 9");
        QTest::newRow("truncated varint") << QByteArray("\x00\x00\x00\x00\x02\x08\x81", 7) << false << 0
                                          << QStringLiteral("truncated varint");
    }
    void responseDecoding()
    {
        QFETCH(QByteArray, body);
        QFETCH(bool, ok);
        QFETCH(int, status);
        QFETCH(QString, errorPart);
        QList<QByteArray> messages;
        QString error;
        bool decoded = unframe(body, messages, error);
        ServingStatus s = ServingStatus::Absent;
        if (decoded) {
            QCOMPARE(messages.size(), 1);
            decoded = decodeHealthCheckResponse(messages.first(), s, error);
        }
        QCOMPARE(decoded, ok);
        if (ok)
            QCOMPARE(int(s), status);
        else
            QVERIFY2(error.contains(errorPart), qPrintable(error));
    }

    void headersAndNames()
    {
        QCOMPARE(timeoutHeader(5000), QByteArray("5000m"));
        QCOMPARE(timeoutHeader(99999999), QByteArray("99999999m"));
        QCOMPARE(timeoutHeader(100000000), QByteArray("100000S")); // at most 8 digits
        QCOMPARE(decodeGrpcMessage("service%20unknown%3A%20x"), QStringLiteral("service unknown: x"));
        QCOMPARE(firstValue("0, 0"), QByteArray("0"));
        QCOMPARE(statusCodeName(12), QStringLiteral("UNIMPLEMENTED"));
        QCOMPARE(statusCodeName(99), QStringLiteral("CODE_99"));
        QCOMPARE(servingStatusName(ServingStatus::NotServing), QStringLiteral("NOT_SERVING"));
    }

    void targetParsing_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("name") << "grpc.example.com:443" << "grpc.example.com" << 443 << QString();
        QTest::newRow("ipv4") << "10.0.0.7:50051" << "10.0.0.7" << 50051 << QString();
        QTest::newRow("ipv6") << "[::1]:8443" << "::1" << 8443 << QString();
        QTest::newRow("no port") << "grpc.example.com" << QString() << 0 << "port is required";
        QTest::newRow("port zero") << "h:0" << QString() << 0 << "not a port";
        QTest::newRow("port too big") << "h:70000" << QString() << 0 << "not a port";
        QTest::newRow("bare ipv6") << "::1:443" << QString() << 0 << "needs brackets";
        QTest::newRow("bad ipv6") << "[zz]:443" << QString() << 0 << "not an IPv6 address";
        QTest::newRow("empty host") << ":443" << QString() << 0 << "host is empty";
        QTest::newRow("space in host") << "a b:443" << QString() << 0 << "not a valid host name";
    }
    void targetParsing()
    {
        QFETCH(QString, text);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QString, errorPart);
        const Result<ProbeTarget> t = ProbeTarget::parse(text);
        if (errorPart.isEmpty()) {
            QVERIFY2(t.ok(), qPrintable(t.ok() ? QString() : t.error().text()));
            QCOMPARE(t.value().host, host);
            QCOMPARE(int(t.value().port), port);
            QCOMPARE(t.value().address(), text);
        } else {
            QVERIFY(!t.ok());
            QVERIFY2(t.error().text().contains(errorPart), qPrintable(t.error().text()));
            QVERIFY(t.error().text().contains(text)); // located: names the input
        }
    }

    void bundleDigestIsOverOrderedDer()
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const test::Hierarchy a = test::makeHierarchy(now, QStringLiteral("A"));
        const Certificate root = Certificate::fromDer(a.root.der()).value();
        const Certificate inter = Certificate::fromDer(a.intermediate.der()).value();
        QCOMPARE(bundleSha256({root, inter}), QString::fromLatin1(ossl::sha256(QByteArray(root.der() + inter.der())).toHex()));
        QVERIFY(bundleSha256({root, inter}) != bundleSha256({inter, root}));
        QCOMPARE(bundleSha256({}).size(), 64);

        // Exactly the bundle is trusted, in order; the system store only when asked.
        ProbeOptions options;
        options.bundle = {root, inter};
        const QList<QSslCertificate> exact = trustedQtCertificates(options);
        QCOMPARE(exact.size(), 2);
        QCOMPARE(exact[0].toDer(), root.der());
        QCOMPARE(exact[1].toDer(), inter.der());
        options.useSystemCas = true;
        const QList<QSslCertificate> withSystem = trustedQtCertificates(options);
        QCOMPARE(withSystem.mid(0, 2), exact);
        QCOMPARE(withSystem.size(), 2 + QSslConfiguration::systemCaCertificates().size());
    }

    // Probing a bundle again converts nothing: the same Qt certificate (the same OpenSSL object)
    // comes back for the same DER, and a different certificate never shares an entry.
    void qtCertificatesAreConvertedOnce()
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const test::Hierarchy a = test::makeHierarchy(now, QStringLiteral("Cache A"));
        const test::Hierarchy b = test::makeHierarchy(now, QStringLiteral("Cache B"));
        const Certificate rootA = Certificate::fromDer(a.root.der()).value();
        const Certificate rootB = Certificate::fromDer(b.root.der()).value();
        const QSslCertificate first = toQtCertificate(rootA);
        const QSslCertificate again = toQtCertificate(Certificate::fromDer(a.root.der()).value());
        QCOMPARE(first.toDer(), rootA.der());
        QVERIFY(first.handle() != nullptr);
        QCOMPARE(again.handle(), first.handle());
        const QSslCertificate other = toQtCertificate(rootB);
        QCOMPARE(other.toDer(), rootB.der());
        QVERIFY(other.handle() != first.handle());
    }

    // Qt never sets TCP_NODELAY on its HTTP sockets; the probe finds its socket by its peer and sets it.
    void nagleIsTurnedOffForThePeerOnly()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QTcpServer other;
        QVERIFY(other.listen(QHostAddress::LocalHost));
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(client.waitForConnected(5000));
        QVERIFY(server.waitForNewConnection(5000));
        QTcpSocket* accepted = server.nextPendingConnection();
        QVERIFY(accepted);
        QTcpSocket bystander;
        bystander.connectToHost(QHostAddress::LocalHost, other.serverPort());
        QVERIFY(bystander.waitForConnected(5000));

        const auto noDelay = [](QTcpSocket& s) { return s.socketOption(QAbstractSocket::LowDelayOption).toInt(); };
        QCOMPARE(noDelay(client), 0);
        const NagleResult wrongAddress = disableNagleForPeer(QHostAddress(QStringLiteral("10.255.255.1")), server.serverPort());
        QCOMPARE(wrongAddress.turnedOff + wrongAddress.alreadyOff, 0);
        QCOMPARE(noDelay(client), 0);
        const NagleResult first = disableNagleForPeer(QHostAddress::LocalHost, server.serverPort());
        QCOMPARE(first.turnedOff, 1);
        QCOMPARE(first.alreadyOff, 0);
        QCOMPARE(noDelay(client), 1);
        QCOMPARE(noDelay(*accepted), 0); // its peer is the client's port, not the server's
        QCOMPARE(noDelay(bystander), 0); // another peer
        const NagleResult again = disableNagleForPeer(QHostAddress::LocalHost, server.serverPort());
        QCOMPARE(again.turnedOff, 0);
        QCOMPARE(again.alreadyOff, 1); // seen, not counted as turned off
        QCOMPARE(disableNagleForPeer(QHostAddress(), other.serverPort()).turnedOff, 1); // any address
        QCOMPARE(noDelay(bystander), 1);
    }

    void clientIdentityLoading()
    {
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const test::Hierarchy h = test::makeHierarchy(now, QStringLiteral("Client"));
        const test::Hierarchy other = test::makeHierarchy(now, QStringLiteral("Other"));
        const QByteArray certPem = h.leaf.pem() + h.intermediate.pem();

        // Plain PKCS#8 key: loads, with the intermediate as chain.
        Result<ClientIdentity> plain = clientIdentityFromData(certPem, QStringLiteral("c.pem"), h.leaf.keyPem(),
                                                              QStringLiteral("k.pem"));
        QVERIFY2(plain.ok(), qPrintable(plain.ok() ? QString() : plain.error().text()));
        QCOMPARE(plain.value().certificate.toDer(), h.leaf.der());
        QCOMPARE(plain.value().chain.size(), 1);
        QCOMPARE(QByteArray::fromBase64(plain.value().certificateBase64()), h.leaf.der());

        // Encrypted key: the right passphrase works; none or a wrong one is a clear error that
        // never repeats the passphrase.
        const QByteArray secret = "correct horse battery staple";
        ossl::BioPtr bio(BIO_new(BIO_s_mem()));
        QVERIFY(PEM_write_bio_PKCS8PrivateKey(bio.get(), h.leaf.key.get(), EVP_aes_256_cbc(), secret.constData(),
                                              int(secret.size()), nullptr, nullptr));
        char* data = nullptr;
        const long len = BIO_get_mem_data(bio.get(), &data);
        const QByteArray encrypted(data, len);
        QVERIFY(encrypted.contains("ENCRYPTED PRIVATE KEY"));

        Result<ClientIdentity> good = clientIdentityFromData(certPem, QStringLiteral("c.pem"), encrypted,
                                                             QStringLiteral("k.pem"), secret);
        QVERIFY2(good.ok(), qPrintable(good.ok() ? QString() : good.error().text()));
        QVERIFY(!good.value().key.isNull());

        Result<ClientIdentity> none = clientIdentityFromData(certPem, QStringLiteral("c.pem"), encrypted,
                                                             QStringLiteral("k.pem"));
        QVERIFY(!none.ok());
        QCOMPARE(none.error().text(), QStringLiteral("k.pem: the private key is encrypted and no passphrase was given"));

        const QByteArray wrong = "Tr0ub4dor&3";
        Result<ClientIdentity> bad = clientIdentityFromData(certPem, QStringLiteral("c.pem"), encrypted,
                                                            QStringLiteral("k.pem"), wrong);
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().text(), QStringLiteral("k.pem: the passphrase does not decrypt the private key"));
        QVERIFY(!bad.error().text().contains(QString::fromLatin1(wrong)));

        // A key that belongs to another certificate.
        Result<ClientIdentity> mismatch = clientIdentityFromData(certPem, QStringLiteral("c.pem"),
                                                                 other.leaf.keyPem(), QStringLiteral("k.pem"));
        QVERIFY(!mismatch.ok());
        QVERIFY(mismatch.error().text().contains(QLatin1String("does not belong to the certificate in c.pem")));

        // Garbage.
        Result<ClientIdentity> noCert = clientIdentityFromData("junk", QStringLiteral("c.pem"), h.leaf.keyPem(),
                                                               QStringLiteral("k.pem"));
        QVERIFY(!noCert.ok());
        QCOMPARE(noCert.error().where, QStringLiteral("c.pem"));
        Result<ClientIdentity> noKey = clientIdentityFromData(certPem, QStringLiteral("c.pem"), "junk",
                                                              QStringLiteral("k.pem"));
        QVERIFY(!noKey.ok());
        QCOMPARE(noKey.error().text(), QStringLiteral("k.pem: no private key found (expected PEM or DER)"));

        // Files: an unreadable path is named.
        QTemporaryDir dir;
        Result<ClientIdentity> missing = loadClientIdentity(dir.filePath(QStringLiteral("nope.pem")),
                                                            dir.filePath(QStringLiteral("nope.key")));
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().text().contains(QLatin1String("nope.pem")));
    }

    void verdicts()
    {
        const ProbeTarget a{QStringLiteral("a.example"), 443, {}, {}};
        const ProbeTarget b{QStringLiteral("b.example"), 443, {}, {}};
        const auto result = [](const ProbeTarget& t, const QString& bundle, bool ok) {
            ProbeResult r;
            r.target = t;
            r.bundleName = bundle;
            r.probeId = QStringLiteral("id");
            r.ok = ok;
            r.stage = ok ? ProbeResult::Stage::Done : ProbeResult::Stage::Tls;
            r.error = ok ? QString() : QStringLiteral("untrusted");
            return r;
        };
        const QList<PlanBundle> bundles{{QStringLiteral("current"), PlanBundle::Role::Current, {}},
                                        {QStringLiteral("candidate"), PlanBundle::Role::Candidate, {}}};
        const QString c = QStringLiteral("current"), n = QStringLiteral("candidate");

        PlanVerdict v = judgePlan({a, b}, bundles, {result(a, c, true), result(b, c, true), result(a, n, true),
                                                    result(b, n, true)});
        QCOMPARE(v.kind, PlanVerdict::Kind::CandidateWorks);
        QVERIFY(v.passed());
        QVERIFY2(v.text.startsWith(QLatin1String("candidate works for every target")), qPrintable(v.text));

        v = judgePlan({a, b}, bundles, {result(a, c, true), result(b, c, false), result(a, n, true), result(b, n, true)});
        QCOMPARE(v.kind, PlanVerdict::Kind::OverlapWorks);
        QVERIFY2(v.text.startsWith(QLatin1String("overlap keeps old and new servers working")), qPrintable(v.text));
        QVERIFY(v.text.contains(QLatin1String("b.example:443 with current")));

        v = judgePlan({a, b}, bundles, {result(a, c, true), result(b, c, true), result(a, n, false), result(b, n, true)});
        QCOMPARE(v.kind, PlanVerdict::Kind::CandidateFails);
        QVERIFY(!v.passed());
        QVERIFY2(v.text.contains(QLatin1String("candidate fails at a.example:443 (tls: untrusted)")), qPrintable(v.text));
        QVERIFY2(v.text.contains(QLatin1String("committing the candidate would break it")), qPrintable(v.text));
        QCOMPARE(v.details.size(), 1);

        v = judgePlan({a, b}, bundles, {result(a, c, true), result(a, n, true)});
        QCOMPARE(v.kind, PlanVerdict::Kind::Incomplete);
        v = judgePlan({}, bundles, {});
        QCOMPARE(v.kind, PlanVerdict::Kind::Incomplete);
        QVERIFY(v.text.contains(QLatin1String("no targets")));

        // A single bundle without roles is the candidate.
        const QList<PlanBundle> one{{QStringLiteral("only"), PlanBundle::Role::Current, {}}};
        v = judgePlan({a}, one, {result(a, QStringLiteral("only"), true)});
        QCOMPARE(v.kind, PlanVerdict::Kind::CandidateWorks);
    }
};

QTEST_GUILESS_MAIN(TestProbeUnit)
#include "TestProbeUnit.moc"
