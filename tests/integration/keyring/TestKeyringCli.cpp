// SPDX-License-Identifier: GPL-3.0-or-later
// certrotor-cli keyring and probe's keyring lookup, end to end: the real gnome-keyring (with-keyring.sh)
// and the real grpc++ server in mTLS mode. Keys and certificates are made at test time; the client key
// is an encrypted PKCS#8 PEM. No command ever prints the passphrase.
#include "CertFactory.h"
#include "TestPeers.h"
#include "TestUtil.h"
#include "keyring/KeyPassphrase.h"
#include "keyring/Keyring.h"

#include <QDateTime>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <optional>


using namespace certrotor;
using namespace certrotor::test;

namespace {

const qint64 kNow = QDateTime::currentSecsSinceEpoch();
const QByteArray kPassphrase = "Right-Keyring-Passphrase-58";
const QByteArray kWrong = "Wrong-Keyring-Passphrase-91";

/// What the keyring holds for the key in `keyFile` (in this process, on the same session bus as the CLI).
Result<std::optional<QByteArray>> storedFor(const QString& keyFile)
{
    Keyring keyring;
    std::optional<Result<std::optional<QByteArray>>> outcome;
    QEventLoop loop;
    keyring::readKeyPassphraseFile(&keyring, keyFile, [&](Result<std::optional<QByteArray>> r) {
        outcome.emplace(std::move(r));
        loop.quit();
    });
    QTimer::singleShot(20000, &loop, &QEventLoop::quit);
    if (!outcome)
        loop.exec();
    if (!outcome)
        return Error{QStringLiteral("TEST: the keyring never answered"), {}};
    return *outcome;
}

ProcessResult runCliWithEnvironment(const QStringList& args, const QProcessEnvironment& env, const QByteArray& input = {})
{
    ProcessResult r;
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(CERTROTOR_CLI_PATH), args);
    if (!p.waitForStarted(10000))
        return r;
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(60000)) {
        r.timedOut = true;
        p.kill();
        p.waitForFinished(5000);
    }
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

class TestKeyringCli : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    GrpcTestServer m_server;
    QString m_caFile, m_certFile, m_keyFile, m_plainKeyFile;
    QList<ProcessResult> m_runs; // every command's output, checked for the passphrase at the end

    QString path(const QString& name) const { return m_dir.filePath(name); }

    ProcessResult cli(const QStringList& args, const QByteArray& input = {})
    {
        ProcessResult r = runCli(args, input);
        m_runs << r;
        return r;
    }

    QStringList probeArgs() const
    {
        return {QStringLiteral("probe"), QStringLiteral("--ca"), m_caFile, QStringLiteral("--cert"), m_certFile,
                QStringLiteral("--key"), m_keyFile, QStringLiteral("127.0.0.1:%1").arg(m_server.port())};
    }

    QStringList keyringArgs(const char* action, const QString& key) const
    {
        return {QStringLiteral("keyring"), QString::fromLatin1(action), QStringLiteral("--key"), key};
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
                 "run through with-keyring.sh (ctest does): no session bus");
        const MtlsFiles files = writeMtlsFiles(m_dir.path(), kNow, kPassphrase, QStringLiteral("keys/client-encrypted.key"));
        QVERIFY(files.ok);
        m_caFile = files.serverCa;
        m_certFile = files.clientCert;
        m_keyFile = files.encryptedKey;
        m_plainKeyFile = path(QStringLiteral("keys/client-plain.key"));
        QVERIFY(writeFile(m_plainKeyFile, files.plainKeyPem));
        QVERIFY(m_server.start(files.serverArgs));
    }

    void status()
    {
        const ProcessResult r = cli({QStringLiteral("keyring"), QStringLiteral("status")});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("reachable and unlocked"), r.out.constData());
    }

    void usageErrors()
    {
        QCOMPARE(cli({QStringLiteral("keyring")}).exitCode, 2);
        QCOMPARE(cli({QStringLiteral("keyring"), QStringLiteral("store-passphrase")}).exitCode, 2);
        QCOMPARE(cli({QStringLiteral("keyring"), QStringLiteral("frobnicate")}).exitCode, 2);
        const ProcessResult missing = cli(keyringArgs("store-passphrase", path(QStringLiteral("nope.key"))), kPassphrase);
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.contains("nope.key: cannot read"), missing.err.constData());
        const ProcessResult help = cli({QStringLiteral("keyring"), QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.out.contains("key-passphrase/<sha256"));
        const ProcessResult probeHelp = cli({QStringLiteral("probe"), QStringLiteral("--help")});
        QVERIFY2(probeHelp.out.contains("keyring store-passphrase --key FILE"), probeHelp.out.constData());
    }

    void unencryptedKeyHasNothingToStore()
    {
        const ProcessResult r = cli(keyringArgs("store-passphrase", m_plainKeyFile), QByteArray(kPassphrase + "\n"));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("not encrypted: there is no passphrase to store"), r.err.constData());
        const auto stored = storedFor(m_plainKeyFile);
        QVERIFY(stored.ok() && !stored.value().has_value());
    }

    void encryptedKeyWithoutStoredPassphrase()
    {
        const ProcessResult r = cli(probeArgs());
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("the private key is encrypted"), r.err.constData());
        QVERIFY2(r.err.contains(QString(QStringLiteral("certrotor-cli keyring store-passphrase --key ") + m_keyFile).toUtf8()), r.err.constData());
    }

    void wrongPassphraseIsNotStored()
    {
        const ProcessResult r = cli(keyringArgs("store-passphrase", m_keyFile), QByteArray(kWrong + "\n"));
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("the passphrase does not decrypt the private key; nothing was stored"), r.err.constData());
        const auto stored = storedFor(m_keyFile);
        QVERIFY2(stored.ok(), qPrintable(stored.ok() ? QString() : stored.error().text()));
        QVERIFY(!stored.value().has_value());
        const ProcessResult empty = cli(keyringArgs("store-passphrase", m_keyFile), "\n");
        QCOMPARE(empty.exitCode, 2);
        QVERIFY2(empty.err.contains("no passphrase on standard input"), empty.err.constData());
    }

    void storeThenProbeWithoutStdin()
    {
        const ProcessResult stored = cli(keyringArgs("store-passphrase", m_keyFile), QByteArray(kPassphrase + "\n"));
        QVERIFY2(stored.exitCode == 0, stored.err.constData());
        QVERIFY2(stored.out.contains("client-encrypted.key"), stored.out.constData());
        QVERIFY2(!stored.out.contains(QByteArray(path(QStringLiteral("keys")).toUtf8() + "/client")), stored.out.constData());
        const auto inKeyring = storedFor(m_keyFile);
        QVERIFY(inKeyring.ok() && inKeyring.value().has_value());
        QCOMPARE(*inKeyring.value(), kPassphrase);
        QVERIFY(stored.out.contains(keyring::keyPassphraseAccount(readFile(m_keyFile)).toUtf8()));

        // The probe finds the passphrase by itself and the mTLS server accepts the client.
        const ProcessResult probe = cli(probeArgs());
        QVERIFY2(probe.exitCode == 0, QByteArray(probe.out + probe.err).constData());
        QVERIFY2(probe.out.contains("SERVING"), probe.out.constData());

        // --key-passphrase-stdin still wins over the keyring: a wrong one fails although the keyring has the right one.
        ProcessResult viaStdin = cli(probeArgs() << QStringLiteral("--key-passphrase-stdin"), QByteArray(kWrong + "\n"));
        QCOMPARE(viaStdin.exitCode, 2);
        QVERIFY2(viaStdin.err.contains("does not decrypt"), viaStdin.err.constData());
        viaStdin = cli(probeArgs() << QStringLiteral("--key-passphrase-stdin"), QByteArray(kPassphrase + "\n"));
        QVERIFY2(viaStdin.exitCode == 0, viaStdin.err.constData());
    }

    void probeSaysWhenTheKeyringIsUnavailable()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
                   QStringLiteral("unix:path=") + path(QStringLiteral("no-such-bus")));
        const ProcessResult r = runCliWithEnvironment(probeArgs(), env);
        m_runs << r;
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("the private key is encrypted"), r.err.constData());
        QVERIFY2(r.err.contains("the keyring cannot be used: there is no D-Bus session bus"), r.err.constData());
        QVERIFY2(r.err.contains("--key-passphrase-stdin"), r.err.constData());
        const ProcessResult status = runCliWithEnvironment({QStringLiteral("keyring"), QStringLiteral("status")}, env);
        m_runs << status;
        QCOMPARE(status.exitCode, 1);
        QVERIFY2(status.err.contains("not usable: there is no D-Bus session bus"), status.err.constData());
    }

    void forgetThenProbeFailsWithTheHint()
    {
        const ProcessResult forgot = cli(keyringArgs("forget-passphrase", m_keyFile));
        QVERIFY2(forgot.exitCode == 0, forgot.err.constData());
        QVERIFY2(forgot.out.contains("removed"), forgot.out.constData());
        const auto left = storedFor(m_keyFile);
        QVERIFY(left.ok() && !left.value().has_value());

        const ProcessResult again = cli(keyringArgs("forget-passphrase", m_keyFile));
        QCOMPARE(again.exitCode, 1);
        QVERIFY2(again.err.contains("holds no passphrase of the private key client-encrypted.key"), again.err.constData());

        const ProcessResult probe = cli(probeArgs());
        QCOMPARE(probe.exitCode, 2);
        QVERIFY2(probe.err.contains("store its passphrase with: certrotor-cli keyring store-passphrase --key"),
                 probe.err.constData());
    }

    void cleanupTestCase()
    {
        // The passphrases never appear in anything any command printed.
        QVERIFY(m_runs.size() > 15);
        for (const ProcessResult& r : std::as_const(m_runs)) {
            for (const QByteArray& secret : {kPassphrase, kWrong}) {
                QVERIFY2(!r.out.contains(secret), r.out.constData());
                QVERIFY2(!r.err.contains(secret), r.err.constData());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestKeyringCli)
#include "TestKeyringCli.moc"
