// SPDX-License-Identifier: GPL-3.0-or-later
#include "KeyringCommand.h"

#include "CliCommon.h"
#include "keyring/KeyPassphrase.h"
#include "keyring/Keyring.h"
#include "probe/ClientIdentity.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include <optional>

#include <termios.h>
#include <unistd.h>

namespace certrotor::cli {

namespace {

const char* const kKeyringUsage = R"(Usage: certrotor-cli keyring store-passphrase --key FILE
       certrotor-cli keyring forget-passphrase --key FILE
       certrotor-cli keyring status

The passphrases of encrypted client keys (probe --cert/--key) live in the OS keyring (the Secret
Service: gnome-keyring, KeePassXC, ...), never in files or logs.
  store-passphrase --key FILE   read FILE's passphrase from the first line of standard input (typed
                                without echo on a terminal), check that it decrypts FILE, then store it;
                                nothing is stored when it does not
  forget-passphrase --key FILE  remove the stored passphrase of FILE
  status                        say whether the keyring is reachable and unlocked
Entries: service "certrotor", account "key-passphrase/<sha256 of FILE's bytes>", so a passphrase
follows the key's content, not its path. probe --key FILE uses it when FILE is encrypted and
--key-passphrase-stdin is not given.
Exit codes: 0 done; 1 not done (wrong passphrase, no such entry, keyring unavailable); 2 usage error
or unreadable input.
Examples:
  certrotor-cli keyring status
  certrotor-cli keyring store-passphrase --key client.key
  certrotor-cli keyring forget-passphrase --key client.key
)";

/// Runs an asynchronous keyring call to its end in a local loop (the CLI has nothing else to do).
/// Keyring callbacks never run inside the call, so quit() always comes after exec() started.
Result<QByteArray> readKeyFile(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error{QStringLiteral("cannot read: ") + f.errorString(), path};
    return f.readAll();
}

/// The first line of standard input without its line end; on a terminal, prompted on stderr and
/// typed without echo. Read byte by byte into reserved space, so no stray copies are left behind.
QByteArray readPassphraseLine(const QString& keyPath)
{
    const bool tty = ::isatty(STDIN_FILENO) == 1;
    termios saved{};
    bool echoOff = false;
    if (tty) {
        err() << "Passphrase for " << QFileInfo(keyPath).fileName() << ": ";
        err().flush();
        if (::tcgetattr(STDIN_FILENO, &saved) == 0) {
            termios quiet = saved;
            quiet.c_lflag &= ~tcflag_t(ECHO);
            quiet.c_lflag |= tcflag_t(ECHONL);
            echoOff = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    QByteArray line;
    line.reserve(4096);
    char c = 0;
    while (line.size() < 4096 && ::read(STDIN_FILENO, &c, 1) == 1 && c != '\n')
        line.append(c);
    c = 0;
    if (echoOff)
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    if (line.endsWith('\r'))
        line.chop(1);
    return line;
}

int fail(const QString& message, int code = ExitFindings)
{
    err() << "certrotor-cli: keyring: " << message << "\n";
    err().flush();
    return code;
}

int storePassphrase(const QString& keyPath)
{
    Result<QByteArray> key = readKeyFile(keyPath);
    if (!key.ok())
        return fail(key.error().text(), ExitUsage);
    const Result<bool> encrypted = privateKeyIsEncrypted(key.value(), keyPath);
    if (!encrypted.ok()) {
        key.value().fill('\0');
        return fail(encrypted.error().text(), ExitUsage);
    }
    if (!encrypted.value()) {
        key.value().fill('\0');
        return fail(keyPath + QStringLiteral(": the private key is not encrypted: there is no passphrase to store"));
    }

    QByteArray passphrase = readPassphraseLine(keyPath);
    if (passphrase.isEmpty()) {
        key.value().fill('\0');
        return fail(QStringLiteral("no passphrase on standard input; nothing was stored"), ExitUsage);
    }
    // Only a passphrase that opens the key is worth keeping: a typo stored now fails every probe later.
    const Result<bool> opened = checkPrivateKey(key.value(), keyPath, passphrase);
    const QString account = keyring::keyPassphraseAccount(key.value());
    key.value().fill('\0');
    if (!opened.ok()) {
        passphrase.fill('\0');
        return fail(opened.error().text() + QStringLiteral("; nothing was stored"));
    }

    Keyring keyring;
    const Result<std::monostate> written = keyring::waitFor<std::monostate>(
        [&](Keyring::WriteDone done) { keyring.write(account, passphrase, std::move(done)); });
    passphrase.fill('\0');
    if (!written.ok())
        return fail(written.error().message + QStringLiteral("; nothing was stored"));
    out() << "stored the " << keyring::keyPassphraseDescription(keyPath) << " in the keyring (service \""
          << keyring.service() << "\", account " << account << ")\n";
    out().flush();
    return ExitOk;
}

int forgetPassphrase(const QString& keyPath)
{
    Result<QByteArray> key = readKeyFile(keyPath);
    if (!key.ok())
        return fail(key.error().text(), ExitUsage);
    const QString account = keyring::keyPassphraseAccount(key.value());
    key.value().fill('\0');
    Keyring keyring;
    const Result<bool> removed =
        keyring::waitFor<bool>([&](Keyring::RemoveDone done) { keyring.remove(account, std::move(done)); });
    if (!removed.ok())
        return fail(removed.error().message);
    if (!removed.value())
        return fail(QStringLiteral("the keyring holds no %1 (account %2); nothing to forget")
                        .arg(keyring::keyPassphraseDescription(keyPath), account));
    out() << "removed the " << keyring::keyPassphraseDescription(keyPath) << " from the keyring (account " << account
          << ")\n";
    out().flush();
    return ExitOk;
}

int status()
{
    Keyring keyring;
    const Result<std::monostate> usable =
        keyring::waitFor<std::monostate>([&](Keyring::WriteDone done) { keyring.checkUsable(std::move(done)); });
    if (!usable.ok())
        return fail(QStringLiteral("not usable: ") + usable.error().message);
    out() << "keyring: reachable and unlocked (Secret Service on the D-Bus session bus; entries under service \""
          << keyring.service() << "\")\n";
    out().flush();
    return ExitOk;
}

} // namespace

int keyring(const QStringList& args)
{
    // Every outcome is printed in plain words below: keep the keyring's own log lines off stderr.
    // QT_LOGGING_RULES still overrides this.
    QLoggingCategory::setFilterRules(QStringLiteral("certrotor.keyring.info=false"));
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOption({QStringLiteral("key"), QStringLiteral("Private key file"), QStringLiteral("FILE")});
    parser.addOption({{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show help")});
    if (!parser.parse(args))
        return usageError(QStringLiteral("keyring: ") + parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        out() << kKeyringUsage;
        out().flush();
        return ExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(QStringLiteral("keyring: give one of store-passphrase, forget-passphrase, status"));
    const QString action = positional.first();
    if (action == QLatin1String("status")) {
        if (parser.isSet(QStringLiteral("key")))
            return usageError(QStringLiteral("keyring status takes no --key"));
        return status();
    }
    if (action != QLatin1String("store-passphrase") && action != QLatin1String("forget-passphrase"))
        return usageError(QStringLiteral("keyring: unknown action '%1' (store-passphrase, forget-passphrase, status)")
                              .arg(action));
    if (!parser.isSet(QStringLiteral("key")))
        return usageError(QStringLiteral("keyring %1: --key FILE is required").arg(action));
    const QString keyPath = parser.value(QStringLiteral("key"));
    return action == QLatin1String("store-passphrase") ? storePassphrase(keyPath) : forgetPassphrase(keyPath);
}

} // namespace certrotor::cli
