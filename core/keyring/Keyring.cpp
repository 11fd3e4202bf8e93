// SPDX-License-Identifier: GPL-3.0-or-later
#include "Keyring.h"

#include "KeyringLog.h"

#include <QRandomGenerator>
#include <QTimer>

#include <qt6keychain/keychain.h>

#include <memory>
#include <utility>

Q_LOGGING_CATEGORY(lcKeyring, "certrotor.keyring", QtInfoMsg)

namespace certrotor {

namespace {

const QString kWhere = QStringLiteral("keyring");
const QString kStatusAccount = QStringLiteral("status-check");

bool mentions(const QString& detail, const char* text)
{
    return detail.contains(QLatin1String(text), Qt::CaseInsensitive);
}

} // namespace

Keyring::Keyring(QObject* parent) : Keyring(defaultService(), parent)
{
}

Keyring::Keyring(const QString& service, QObject* parent) : QObject(parent), m_service(service)
{
}

Error Keyring::plainError(int qkeychainError, const QString& detail)
{
    // qtkeychain reports most Secret Service failures as OtherError with libsecret's/GDBus's text:
    // match the texts we know (see PLATFORM.md) and say what the operator can do about each.
    if (mentions(detail, "autolaunch D-Bus") || mentions(detail, "DBUS_SESSION_BUS_ADDRESS")
        || mentions(detail, "Could not connect") || mentions(detail, "Failed to connect")
        || mentions(detail, "D-Bus is not running"))
        return Error{QStringLiteral("there is no D-Bus session bus, so the keyring (Secret Service) cannot be reached; "
                                    "run CertRotor in a desktop session, or start one with dbus-run-session"),
                     kWhere};
    if (mentions(detail, "org.freedesktop.secrets") || qkeychainError == QKeychain::NoBackendAvailable)
        return Error{QStringLiteral("no keyring service (Secret Service provider such as gnome-keyring or KeePassXC) "
                                    "is running on the D-Bus session bus"),
                     kWhere};
    if (mentions(detail, "Object does not exist at path") && mentions(detail, "collection"))
        return Error{QStringLiteral("the keyring has no open default collection (the login keyring is missing or "
                                    "not unlocked); unlock it, e.g. by logging in to the desktop or with "
                                    "gnome-keyring-daemon --unlock"),
                     kWhere};
    if (mentions(detail, "locked") || qkeychainError == QKeychain::AccessDenied)
        return Error{QStringLiteral("the keyring is locked; unlock it and try again"), kWhere};
    if (qkeychainError == QKeychain::AccessDeniedByUser)
        return Error{QStringLiteral("access to the keyring was refused"), kWhere};
    if (mentions(detail, "Timeout was reached") || mentions(detail, "No reply"))
        return Error{QStringLiteral("the keyring did not answer"), kWhere};
    if (qkeychainError == QKeychain::NotImplemented)
        return Error{QStringLiteral("this system's keyring does not support the operation"), kWhere};
    // Anything else: qtkeychain's own words (they name the failure, never the secret).
    return Error{QStringLiteral("the keyring failed: ")
                     + (detail.isEmpty() ? QStringLiteral("error %1").arg(qkeychainError) : detail),
                 kWhere};
}

Error Keyring::timeoutError() const
{
    return Error{QStringLiteral("the keyring did not answer within %1 s (is it waiting for an unlock prompt?)")
                     .arg(m_timeoutMs / 1000.0),
                 kWhere};
}

void Keyring::later(std::function<void()> fn)
{
    QTimer::singleShot(0, this, std::move(fn));
}

void Keyring::run(QKeychain::Job* job, std::function<void(QKeychain::Job&)> finished, std::function<void()> timedOut)
{
    // The job deletes itself once it has finished; it has no parent, because libsecret calls back
    // into it even after we stopped waiting (deleting it early would crash). `done` makes sure the
    // caller hears exactly once, from the job or from the timer, whichever comes first.
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // never a plaintext QSettings copy
    auto done = std::make_shared<bool>(false);
    auto* timer = new QTimer(this);
    timer->setSingleShot(true);
    connect(job, &QKeychain::Job::finished, this, [done, timer, finished = std::move(finished)](QKeychain::Job* j) {
        if (std::exchange(*done, true))
            return;
        timer->deleteLater();
        finished(*j);
    });
    connect(timer, &QTimer::timeout, this, [this, done, timer, timedOut = std::move(timedOut)] {
        if (std::exchange(*done, true))
            return;
        timer->deleteLater();
        qCWarning(lcKeyring) << "a keyring operation got no answer within" << m_timeoutMs << "ms";
        timedOut();
    });
    timer->start(m_timeoutMs);
    job->start();
}

void Keyring::read(const QString& account, ReadDone done)
{
    if (account.isEmpty()) {
        later([done] { done(Error{QStringLiteral("no account name given"), kWhere}); });
        return;
    }
    auto* job = new QKeychain::ReadPasswordJob(m_service);
    job->setKey(account);
    run(
        job,
        [done, account](QKeychain::Job& j) {
            if (j.error() == QKeychain::EntryNotFound) {
                qCDebug(lcKeyring) << "no entry for" << account;
                done(std::optional<QByteArray>());
                return;
            }
            if (j.error() != QKeychain::NoError) {
                const Error e = plainError(j.error(), j.errorString());
                qCInfo(lcKeyring).noquote() << "read of" << account << "failed:" << e.message;
                done(e);
                return;
            }
            done(std::optional<QByteArray>(static_cast<QKeychain::ReadPasswordJob&>(j).binaryData()));
        },
        [this, done] { done(timeoutError()); });
}

void Keyring::write(const QString& account, const QByteArray& secret, WriteDone done)
{
    if (account.isEmpty()) {
        later([done] { done(Error{QStringLiteral("no account name given"), kWhere}); });
        return;
    }
    auto* job = new QKeychain::WritePasswordJob(m_service);
    job->setKey(account);
    job->setBinaryData(secret); // any bytes; the job holds its own copy until it is deleted
    run(
        job,
        [done, account](QKeychain::Job& j) {
            if (j.error() != QKeychain::NoError) {
                const Error e = plainError(j.error(), j.errorString());
                qCInfo(lcKeyring).noquote() << "write of" << account << "failed:" << e.message;
                done(e);
                return;
            }
            done(std::monostate());
        },
        [this, done] { done(timeoutError()); });
}

void Keyring::remove(const QString& account, RemoveDone done)
{
    // The Secret Service's delete does not say whether anything was there (qtkeychain drops that
    // answer), so look first: "absent" is an outcome the caller shows to the user.
    read(account, [this, account, done](Result<std::optional<QByteArray>> existing) {
        if (!existing.ok()) {
            done(existing.error());
            return;
        }
        if (!existing.value().has_value()) {
            done(false);
            return;
        }
        existing.value()->fill('\0');
        auto* job = new QKeychain::DeletePasswordJob(m_service);
        job->setKey(account);
        run(
            job,
            [done, account](QKeychain::Job& j) {
                if (j.error() == QKeychain::EntryNotFound) {
                    done(false);
                    return;
                }
                if (j.error() != QKeychain::NoError) {
                    const Error e = plainError(j.error(), j.errorString());
                    qCInfo(lcKeyring).noquote() << "removal of" << account << "failed:" << e.message;
                    done(e);
                    return;
                }
                done(true);
            },
            [this, done] { done(timeoutError()); });
    });
}

void Keyring::checkUsable(WriteDone done)
{
    // A write is what needs an unlocked collection; a read of a missing entry succeeds even when
    // the login keyring does not exist. So: write, read back, remove.
    const QByteArray token = QByteArray::number(QRandomGenerator::system()->generate64(), 16);
    write(kStatusAccount, token, [this, token, done](Result<std::monostate> written) {
        if (!written.ok()) {
            done(written.error());
            return;
        }
        read(kStatusAccount, [this, token, done](Result<std::optional<QByteArray>> back) {
            if (!back.ok()) {
                done(back.error());
                return;
            }
            const bool same = back.value().has_value() && *back.value() == token;
            remove(kStatusAccount, [same, done](Result<bool> removed) {
                if (!removed.ok())
                    done(removed.error());
                else if (!same)
                    done(Error{QStringLiteral("the keyring did not give back what was just stored in it"), kWhere});
                else
                    done(std::monostate());
            });
        });
    });
}

} // namespace certrotor
