// SPDX-License-Identifier: GPL-3.0-or-later
// Keyring against the real Secret Service (gnome-keyring in a private dbus-run-session, see
// with-keyring.sh), and in child processes against sessions without one: no bus at all, a bus address
// that leads nowhere, a bus without a Secret Service, a daemon without a login keyring, and one whose
// login keyring is locked.
#include "CertFactory.h"
#include "TestUtil.h"
#include "keyring/KeyPassphrase.h"
#include "keyring/Keyring.h"
#include "probe/ClientIdentity.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <optional>


using namespace certrotor;
using namespace certrotor::test;

namespace {

// What the child process tries to store: it must never show up in any output.
const QByteArray kChildSecret = "child-secret-7Hq2-never-printed";

// A session bus with no activatable services at all: nothing provides org.freedesktop.secrets.
const QByteArray kBareSessionConfig =
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>session</type>\n"
    "  <listen>unix:tmpdir=/tmp</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
    "    <allow eavesdrop=\"true\"/>\n"
    "    <allow own=\"*\"/>\n"
    "  </policy>\n"
    "</busconfig>\n";

/// The error text of a Result, or "" when it is ok (QVERIFY2 evaluates its message either way).
template <typename T>
QByteArray why(const Result<T>& r)
{
    return r.ok() ? QByteArray() : r.error().text().toUtf8();
}

/// Waits (in a test, nesting a loop is fine) for one asynchronous keyring call.
template <typename T, typename Start>
std::optional<Result<T>> waitFor(Start start, int timeoutMs = 20000)
{
    std::optional<Result<T>> outcome;
    QEventLoop loop;
    start([&outcome, &loop](Result<T> r) {
        outcome.emplace(std::move(r));
        loop.quit();
    });
    if (!outcome) {
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return outcome;
}

/// The child: one write and one read against whatever session it was started in; prints the outcomes.
int childMain()
{
    Keyring keyring;
    keyring.setTimeoutMs(10000);
    QTextStream out(stdout);
    const auto written = waitFor<std::monostate>(
        [&](Keyring::WriteDone done) { keyring.write(QStringLiteral("child-account"), kChildSecret, std::move(done)); });
    out << "WRITE " << (!written ? QStringLiteral("no answer") : written->ok() ? QStringLiteral("ok") : written->error().text())
        << "\n";
    const auto read = waitFor<std::optional<QByteArray>>(
        [&](Keyring::ReadDone done) { keyring.read(QStringLiteral("child-account"), std::move(done)); });
    out << "READ "
        << (!read              ? QStringLiteral("no answer")
            : !read->ok()      ? read->error().text()
            : read->value()    ? QStringLiteral("present")
                               : QStringLiteral("absent"))
        << "\n";
    return 0;
}

} // namespace

class TestKeyring : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    Result<std::monostate> write(Keyring& k, const QString& account, const QByteArray& secret)
    {
        auto r = waitFor<std::monostate>([&](Keyring::WriteDone done) { k.write(account, secret, std::move(done)); });
        return r ? *r : Result<std::monostate>(Error{QStringLiteral("TEST: no answer"), {}});
    }
    Result<std::optional<QByteArray>> read(Keyring& k, const QString& account)
    {
        auto r = waitFor<std::optional<QByteArray>>([&](Keyring::ReadDone done) { k.read(account, std::move(done)); });
        return r ? *r : Result<std::optional<QByteArray>>(Error{QStringLiteral("TEST: no answer"), {}});
    }
    Result<bool> remove(Keyring& k, const QString& account)
    {
        auto r = waitFor<bool>([&](Keyring::RemoveDone done) { k.remove(account, std::move(done)); });
        return r ? *r : Result<bool>(Error{QStringLiteral("TEST: no answer"), {}});
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // The wrapper gives us a session bus with an unlocked gnome-keyring; without it this is a failure.
        QVERIFY2(!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"),
                 "run through with-keyring.sh (ctest does): no session bus");
    }

    void roundTrip()
    {
        Keyring keyring;
        QCOMPARE(keyring.service(), QStringLiteral("certrotor"));
        const QString account = QStringLiteral("test/round-trip");
        const QByteArray secret("p\xC3\xA4ss\0phrase \n with bytes", 25); // non-ASCII, NUL, newline
        const auto w = write(keyring, account, secret);
        QVERIFY2(w.ok(), why(w).constData());
        auto r = read(keyring, account);
        QVERIFY2(r.ok(), why(r).constData());
        QVERIFY(r.value().has_value());
        QCOMPARE(*r.value(), secret);

        // A second write replaces the first.
        QVERIFY(write(keyring, account, "second").ok());
        r = read(keyring, account);
        QVERIFY(r.ok() && r.value().has_value());
        QCOMPARE(*r.value(), QByteArray("second"));

        // Another service is another namespace.
        Keyring other(QStringLiteral("certrotor-test-other"), nullptr);
        r = read(other, account);
        QVERIFY(r.ok());
        QVERIFY(!r.value().has_value());

        Result<bool> removed = remove(keyring, account);
        QVERIFY2(removed.ok(), why(removed).constData());
        QVERIFY(removed.value());
        r = read(keyring, account);
        QVERIFY(r.ok());
        QVERIFY(!r.value().has_value());
        removed = remove(keyring, account);
        QVERIFY(removed.ok());
        QVERIFY(!removed.value()); // absent: not an error, and said so
    }

    void absentEntryIsNotAnError()
    {
        Keyring keyring;
        const auto r = read(keyring, QStringLiteral("never/written"));
        QVERIFY2(r.ok(), why(r).constData());
        QVERIFY(!r.value().has_value());
    }

    void emptyAccountIsAnError()
    {
        Keyring keyring;
        const auto r = read(keyring, QString());
        QVERIFY(!r.ok());
        QCOMPARE(r.error().text(), QStringLiteral("keyring: no account name given"));
    }

    void callbacksAreAsynchronousOnTheCallersThread()
    {
        Keyring keyring;
        bool called = false;
        QThread* calledOn = nullptr;
        keyring.write(QStringLiteral("test/async"), "x", [&](Result<std::monostate> r) {
            QVERIFY(r.ok());
            called = true;
            calledOn = QThread::currentThread();
        });
        QVERIFY(!called); // returned before the keyring answered
        QTRY_VERIFY_WITH_TIMEOUT(called, 20000);
        QCOMPARE(calledOn, QThread::currentThread());

        // A Keyring destroyed before the answer drops its callbacks instead of calling into a dead caller.
        bool late = false;
        {
            Keyring shortLived;
            shortLived.read(QStringLiteral("test/async"), [&late](auto) { late = true; });
        }
        Keyring keyring2;
        QVERIFY(read(keyring2, QStringLiteral("test/async")).ok()); // the queue moved on past the dropped job
        QVERIFY(!late);
        QVERIFY(remove(keyring2, QStringLiteral("test/async")).value());
    }

    void checkUsable()
    {
        Keyring keyring;
        const auto r = waitFor<std::monostate>([&](Keyring::WriteDone done) { keyring.checkUsable(std::move(done)); });
        QVERIFY(r.has_value());
        QVERIFY2(r->ok(), why(*r).constData());
        // The probe entry is gone again.
        const auto left = read(keyring, QStringLiteral("status-check"));
        QVERIFY(left.ok() && !left.value().has_value());
    }

    void keyPassphraseNamingRule()
    {
        const QByteArray bytes = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nnot really\n";
        const QString account = keyring::keyPassphraseAccount(bytes);
        // Independent of our code: openssl's own digest of the same bytes.
        const QString file = m_dir.filePath(QStringLiteral("naming.key"));
        QVERIFY(writeFile(file, bytes));
        const ProcessResult dgst = runProcess(opensslPath(), {QStringLiteral("dgst"), QStringLiteral("-sha256"),
                                                              QStringLiteral("-r"), file});
        QCOMPARE(dgst.exitCode, 0);
        const QString hex = QString::fromLatin1(dgst.out.left(64));
        QCOMPARE(account, QStringLiteral("key-passphrase/") + hex);
        QCOMPARE(account.size(), 15 + 64);
        QVERIFY(keyring::keyPassphraseAccount(QByteArray(bytes + "\n")) != account); // content, not path

        const QString description = keyring::keyPassphraseDescription(QStringLiteral("/secret/dir/client.key"));
        QVERIFY2(description.contains(QLatin1String("client.key")), qPrintable(description));
        QVERIFY2(!description.contains(QLatin1String("/secret/dir")), qPrintable(description));
    }

    // The check store-passphrase runs before storing anything (core/probe/ClientIdentity).
    void keyOnlyCheck()
    {
        const QByteArray passphrase = "check-passphrase-64";
        ossl::EvpPkeyPtr key = makeKey();
        const QByteArray encrypted = encryptedPrivateKeyPem(key.get(), passphrase);
        Issued plain;
        plain.key = makeKey();
        const QByteArray unencrypted = plain.keyPem();
        QVERIFY(!encrypted.isEmpty() && !unencrypted.isEmpty());

        Result<bool> e = privateKeyIsEncrypted(encrypted, QStringLiteral("a.key"));
        QVERIFY(e.ok() && e.value());
        e = privateKeyIsEncrypted(unencrypted, QStringLiteral("b.key"));
        QVERIFY(e.ok() && !e.value());
        e = privateKeyIsEncrypted("not a key", QStringLiteral("c.key"));
        QVERIFY(!e.ok());
        QCOMPARE(e.error().text(), QStringLiteral("c.key: no private key found (expected PEM or DER)"));

        e = checkPrivateKey(encrypted, QStringLiteral("a.key"), passphrase);
        QVERIFY2(e.ok() && e.value(), why(e).constData());
        e = checkPrivateKey(encrypted, QStringLiteral("a.key"), "wrong-check-passphrase");
        QVERIFY(!e.ok());
        QCOMPARE(e.error().text(), QStringLiteral("a.key: the passphrase does not decrypt the private key"));
        e = checkPrivateKey(encrypted, QStringLiteral("a.key"), {});
        QVERIFY(!e.ok());
        QVERIFY(e.error().message.contains(QLatin1String("encrypted and no passphrase was given")));
        e = checkPrivateKey(unencrypted, QStringLiteral("b.key"), passphrase);
        QVERIFY(e.ok() && !e.value()); // not encrypted: the passphrase was not needed
    }

    void passphraseLookupByKeyContent()
    {
        const QByteArray passphrase = "lookup-passphrase-31";
        ossl::EvpPkeyPtr key = makeKey();
        QVERIFY(key);
        const QByteArray pem = encryptedPrivateKeyPem(key.get(), passphrase);
        QVERIFY(!pem.isEmpty());
        const QString path = m_dir.filePath(QStringLiteral("client.key"));
        const QString moved = m_dir.filePath(QStringLiteral("elsewhere/renamed.key"));
        QVERIFY(writeFile(path, pem));
        QVERIFY(writeFile(moved, pem));

        Keyring keyring;
        // Nothing stored yet: absent, not an error.
        auto r = waitFor<std::optional<QByteArray>>(
            [&](Keyring::ReadDone done) { keyring::readKeyPassphrase(&keyring, pem, std::move(done)); });
        QVERIFY(r && r->ok());
        QVERIFY(!r->value().has_value());

        QVERIFY(write(keyring, keyring::keyPassphraseAccount(pem), passphrase).ok());
        r = waitFor<std::optional<QByteArray>>(
            [&](Keyring::ReadDone done) { keyring::readKeyPassphrase(&keyring, pem, std::move(done)); });
        QVERIFY(r && r->ok() && r->value().has_value());
        QCOMPARE(*r->value(), passphrase);

        // By path: found under either name, since the entry follows the content.
        for (const QString& p : {path, moved}) {
            r = waitFor<std::optional<QByteArray>>(
                [&](Keyring::ReadDone done) { keyring::readKeyPassphraseFile(&keyring, p, std::move(done)); });
            QVERIFY(r && r->ok() && r->value().has_value());
            QCOMPARE(*r->value(), passphrase);
        }

        // A different key (new content at the same path) does not get the old passphrase.
        ossl::EvpPkeyPtr other = makeKey();
        QVERIFY(writeFile(path, encryptedPrivateKeyPem(other.get(), passphrase)));
        r = waitFor<std::optional<QByteArray>>(
            [&](Keyring::ReadDone done) { keyring::readKeyPassphraseFile(&keyring, path, std::move(done)); });
        QVERIFY(r && r->ok());
        QVERIFY(!r->value().has_value());

        // An unreadable key file is an error located at the file.
        const QString missing = m_dir.filePath(QStringLiteral("missing.key"));
        r = waitFor<std::optional<QByteArray>>(
            [&](Keyring::ReadDone done) { keyring::readKeyPassphraseFile(&keyring, missing, std::move(done)); });
        QVERIFY(r && !r->ok());
        QCOMPARE(r->error().where, missing);
        QVERIFY2(r->error().message.startsWith(QLatin1String("cannot read")), qPrintable(r->error().message));

        QVERIFY(remove(keyring, keyring::keyPassphraseAccount(pem)).value());
    }

    void plainErrorTexts_data()
    {
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("detail");
        QTest::addColumn<QString>("expected");
        // The texts qtkeychain/libsecret give (PLATFORM.md), and what the operator reads instead.
        QTest::newRow("no bus") << 7 << QStringLiteral("Cannot autolaunch D-Bus without X11 $DISPLAY")
                                << QStringLiteral("there is no D-Bus session bus");
        QTest::newRow("bus nowhere") << 7 << QStringLiteral("Could not connect: No such file or directory")
                                     << QStringLiteral("there is no D-Bus session bus");
        QTest::newRow("no provider")
            << 7 << QStringLiteral("The name org.freedesktop.secrets was not provided by any .service files")
            << QStringLiteral("no keyring service");
        QTest::newRow("no collection")
            << 7 << QStringLiteral("Object does not exist at path \u201c/org/freedesktop/secrets/collection/login\u201d")
            << QStringLiteral("no open default collection");
        QTest::newRow("locked") << 4 << QStringLiteral("Cannot create an item in a locked collection")
                                << QStringLiteral("the keyring is locked");
        QTest::newRow("no backend") << 5 << QStringLiteral("No keychain service available")
                                    << QStringLiteral("no keyring service");
        QTest::newRow("other") << 7 << QStringLiteral("Something new") << QStringLiteral("the keyring failed: Something new");
    }

    void plainErrorTexts()
    {
        QFETCH(int, code);
        QFETCH(QString, detail);
        QFETCH(QString, expected);
        const Error e = Keyring::plainError(code, detail);
        QCOMPARE(e.where, QStringLiteral("keyring"));
        QVERIFY2(e.message.contains(expected), qPrintable(e.message));
    }

    void unavailableKeyringInPlainWords_data()
    {
        QTest::addColumn<QString>("setup");
        QTest::addColumn<QString>("expected");
        QTest::newRow("no session bus") << QStringLiteral("no-bus") << QStringLiteral("there is no D-Bus session bus");
        QTest::newRow("bus address leads nowhere")
            << QStringLiteral("bus-nowhere") << QStringLiteral("there is no D-Bus session bus");
        QTest::newRow("bus without Secret Service")
            << QStringLiteral("bare-bus") << QStringLiteral("no keyring service (Secret Service provider");
        QTest::newRow("no login keyring")
            << QStringLiteral("no-login-keyring") << QStringLiteral("no open default collection");
        // A login keyring on disk but not unlocked: gnome-keyring would prompt, cannot (no display).
        QTest::newRow("login keyring locked") << QStringLiteral("locked") << QStringLiteral("the keyring is locked");
    }

    // The child writes kChildSecret and reads it back in a session without a usable keyring.
    void unavailableKeyringInPlainWords()
    {
        QFETCH(QString, setup);
        QFETCH(QString, expected);
        const QString self = QCoreApplication::applicationFilePath();
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DISPLAY"));
        QString program = self;
        QStringList args{QStringLiteral("--keyring-child")};
        QTemporaryDir sessionDir;
        QVERIFY(sessionDir.isValid());
        if (setup == QLatin1String("no-bus")) {
            env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
            env.insert(QStringLiteral("XDG_RUNTIME_DIR"), sessionDir.path()); // no $XDG_RUNTIME_DIR/bus either
        } else if (setup == QLatin1String("bus-nowhere")) {
            env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
                       QStringLiteral("unix:path=") + sessionDir.filePath(QStringLiteral("no-such-socket")));
        } else if (setup == QLatin1String("bare-bus")) {
            // A session bus with no activatable services at all: nothing provides org.freedesktop.secrets.
            const QString config = sessionDir.filePath(QStringLiteral("bare-session.conf"));
            QVERIFY(writeFile(config, kBareSessionConfig));
            program = QStandardPaths::findExecutable(QStringLiteral("dbus-run-session"));
            QVERIFY(!program.isEmpty());
            args = QStringList{QStringLiteral("--config-file=") + config, QStringLiteral("--"), self} + args;
        } else {
            // gnome-keyring running, but started without --unlock: with an empty data directory there is
            // no login keyring; for "locked", one made (and unlocked) by an earlier session is on disk.
            const QString dbusRunSession = QStandardPaths::findExecutable(QStringLiteral("dbus-run-session"));
            QVERIFY(!dbusRunSession.isEmpty());
            env.insert(QStringLiteral("XDG_DATA_HOME"), sessionDir.filePath(QStringLiteral("data")));
            if (setup == QLatin1String("locked")) {
                QProcess first;
                QProcessEnvironment firstEnv = env;
                QDir(sessionDir.path()).mkpath(QStringLiteral("first-run"));
                firstEnv.insert(QStringLiteral("XDG_RUNTIME_DIR"), sessionDir.filePath(QStringLiteral("first-run")));
                first.setProcessEnvironment(firstEnv);
                // The child's write both proves the keyring was usable then and keeps the daemon until the
                // session ends (a daemon nobody talked to outlives its bus).
                first.start(dbusRunSession, {QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"),
                                             QStringLiteral("printf %s first-session | gnome-keyring-daemon --unlock "
                                                            "--components=secrets >/dev/null && exec \"$@\""),
                                             QStringLiteral("first"), self, QStringLiteral("--keyring-child")});
                QVERIFY(first.waitForFinished(20000));
                QCOMPARE(first.exitCode(), 0);
                const QByteArray firstOut = first.readAllStandardOutput();
                QVERIFY2(firstOut.startsWith("WRITE ok\nREAD present"), firstOut.constData());
                QVERIFY(QFile::exists(sessionDir.filePath(QStringLiteral("data/keyrings/login.keyring"))));
            }
            // Its own runtime directory, so this daemon never finds (and defers to) another one.
            env.insert(QStringLiteral("XDG_RUNTIME_DIR"), sessionDir.path());
            program = dbusRunSession;
            args = QStringList{QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"),
                               QStringLiteral("gnome-keyring-daemon --start --components=secrets >/dev/null && exec \"$@\""),
                               QStringLiteral("child"), self} + args;
        }
        QProcess child;
        child.setProcessEnvironment(env);
        QElapsedTimer clock;
        clock.start();
        child.start(program, args);
        QVERIFY2(child.waitForFinished(30000), "the child never finished");
        const QByteArray out = child.readAllStandardOutput();
        const QByteArray errOut = child.readAllStandardError();
        QCOMPARE(child.exitCode(), 0);
        QVERIFY2(clock.elapsed() < 15000, "the keyring error took a keyring timeout instead of coming at once");
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QVERIFY2(lines.size() == 2, out.constData());
        QVERIFY2(lines[0].startsWith("WRITE keyring: "), out.constData());
        QVERIFY2(QString::fromUtf8(lines[0]).contains(expected), out.constData());
        // Whatever the read says (absent is fine on a daemon without a collection), it is no secret.
        QVERIFY2(lines[1].startsWith("READ "), out.constData());
        QVERIFY2(!out.contains(kChildSecret) && !errOut.contains(kChildSecret), out.constData());
        // Plain words: no D-Bus object paths or error names.
        QVERIFY2(!lines[0].contains("/org/freedesktop") && !lines[0].contains("org.freedesktop.DBus.Error"),
                 lines[0].constData());
    }
};

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    if (argc > 1 && qstrcmp(argv[1], "--keyring-child") == 0)
        return childMain();
    TestKeyring test;
    return QTest::qExec(&test, argc, argv);
}

#include "TestKeyring.moc"
