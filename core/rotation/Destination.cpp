// SPDX-License-Identifier: GPL-3.0-or-later
#include "rotation/Destination.h"

#include "kube/KubeClient.h"
#include "sources/Source.h"
#include "util/AsyncTask.h"
#include "util/AtomicFile.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cerrno>
#include <cstring>

using namespace Qt::StringLiterals;

namespace certrotor::rotation {

namespace {

QString sha256Hex(const QByteArray& bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

const QString kAbsent = u"absent"_s;

/// A PEM private key must never be read into a rotation (state file, backups, audit): a destination
/// holding one is not a trust bundle.
bool holdsPrivateKey(const QByteArray& bytes)
{
    return bytes.contains("PRIVATE KEY-----");
}

} // namespace

QString Destination::kindName(Kind kind)
{
    switch (kind) {
    case Kind::File:
        return u"file"_s;
    case Kind::Secret:
        return u"secret"_s;
    case Kind::ConfigMap:
        return u"configmap"_s;
    }
    return {};
}

Result<Destination> Destination::parse(const QString& spec)
{
    Destination d;
    if (spec.trimmed().isEmpty())
        return Error { u"the destination is empty: name a file, secret://… or configmap://…"_s, {} };
    if (kube::KubeObjectRef::looksLike(spec)) {
        Result<kube::KubeObjectRef> ref = kube::KubeObjectRef::parse(spec);
        if (!ref.ok())
            return ref.error();
        d.ref = ref.value();
        d.kind = d.ref.kind == kube::KubeObjectRef::Kind::Secret ? Kind::Secret : Kind::ConfigMap;
        return d;
    }
    QString path = spec;
    if (path.startsWith(u"file://"_s))
        path = path.mid(7);
    if (path.contains(u"://"_s))
        return Error { u"unknown kind of destination: use a file path, secret://… or configmap://…"_s, spec };
    d.kind = Kind::File;
    d.path = QFileInfo(path).absoluteFilePath();
    // A link is followed: the rename must replace the file consumers read, not the link to it.
    if (QFileInfo(d.path).isSymLink() && !QFileInfo(d.path).canonicalFilePath().isEmpty())
        d.path = QFileInfo(d.path).canonicalFilePath();
    if (QFileInfo(d.path).isDir())
        return Error { u"is a directory: a rotation writes one bundle file"_s, spec };
    return d;
}

QString Destination::id() const
{
    return kind == Kind::File ? path : ref.toUri();
}

Result<std::unique_ptr<Committer>> Committer::create(const Destination& destination, const CommitterOptions& options)
{
    if (destination.kind == Destination::Kind::File)
        return std::unique_ptr<Committer>(std::make_unique<FileCommitter>(destination, options));
    // The kubeconfig is read when the committer is first used, on the thread pool (never on the caller's).
    return std::unique_ptr<Committer>(std::make_unique<KubeCommitter>(destination, options));
}

// ---- files ------------------------------------------------------------------------------------------

FileCommitter::FileCommitter(Destination destination, CommitterOptions options, QObject* parent)
    : Committer(std::move(destination), parent), m_options(options)
{
}

QString FileCommitter::backupDirFor(const QString& path)
{
    // Hidden, so a watched directory (read as one bundle, hidden entries skipped) never picks a backup up.
    const QFileInfo info(path);
    return info.absolutePath() + u"/.certrotor-backups/"_s + info.fileName();
}

QString FileCommitter::backupLocation() const
{
    return backupDirFor(m_destination.path) + u'/';
}

QStringList FileCommitter::backups() const
{
    QDir dir(backupDirFor(m_destination.path));
    QStringList names = dir.entryList({ u"*.pem"_s }, QDir::Files, QDir::Name);
    for (QString& n : names)
        n = dir.filePath(n);
    return names;
}

Result<DestinationContent> FileCommitter::readFile(const QString& path)
{
    DestinationContent c;
    QFile file(path);
    if (!file.exists()) {
        c.version = kAbsent;
        c.sha256 = sha256Hex({});
        return c;
    }
    if (QFileInfo(path).isDir())
        return Error { u"is a directory, not a bundle file"_s, path, commitcode::unusable };
    if (!file.open(QIODevice::ReadOnly))
        return Error { u"cannot read: "_s + file.errorString(), path, commitcode::io };
    c.exists = true;
    c.bytes = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return Error { u"cannot read: "_s + file.errorString(), path, commitcode::io };
    if (holdsPrivateKey(c.bytes))
        return Error { u"holds a private key, so it is not a trust bundle; a rotation never reads or rewrites it"_s,
                       path, commitcode::unusable };
    c.sha256 = sha256Hex(c.bytes);
    c.version = c.sha256;
    return c;
}

Result<FileCommitter::WriteOutcome> FileCommitter::writeFile(const QString& path, const QByteArray& bytes,
                                                             const QString& expectedVersion, int backupsKept)
{
    Result<DestinationContent> before = readFile(path);
    if (!before.ok())
        return before.error();
    if (before.value().version != expectedVersion)
        return Error {
            expectedVersion == kAbsent
                ? u"was created by someone else since it was staged (it did not exist then); nothing was written"_s
                : before.value().exists
                ? u"was changed by someone else since it was staged (SHA-256 %1…, staged %2…); nothing was written"_s
                      .arg(before.value().sha256.left(16), expectedVersion.left(16))
                : u"was deleted by someone else since it was staged; nothing was written"_s,
            path, commitcode::conflict
        };
    WriteOutcome outcome;
    if (before.value().exists && backupsKept > 0) {
        // The version being replaced, kept before the rename so that a crash never loses it.
        const QString dir = backupDirFor(path);
        if (!QDir().mkpath(dir))
            return Error { u"cannot create the backup directory "_s + dir, path, commitcode::io };
        outcome.backup = dir + u'/' + QDateTime::currentDateTimeUtc().toString(u"yyyyMMdd'T'HHmmsszzz'Z'"_s) + u'-'
            + before.value().sha256.left(12) + u".pem"_s;
        Result<std::monostate> saved = atomicWriteFile(outcome.backup, before.value().bytes, 0600);
        if (!saved.ok())
            return Error { u"cannot keep a backup: "_s + saved.error().text(), path, commitcode::io };
        QDir bdir(dir);
        const QStringList all = bdir.entryList({ u"*.pem"_s }, QDir::Files, QDir::Name);
        for (qsizetype i = 0; i + backupsKept < all.size(); ++i)
            bdir.remove(all.at(i));
    }
    Result<std::monostate> written = atomicWriteFile(path, bytes);
    if (!written.ok())
        return Error { written.error().message, written.error().where, commitcode::io };
    Result<DestinationContent> after = readFile(path);
    if (!after.ok())
        return after.error();
    if (after.value().bytes != bytes)
        return Error { u"was written but reads back different bytes (%1 instead of %2 bytes); check the file system"_s
                           .arg(after.value().bytes.size())
                           .arg(bytes.size()),
                       path, commitcode::mismatch };
    outcome.content = after.value();
    return outcome;
}

void FileCommitter::read(Done done)
{
    const QString path = m_destination.path;
    runThenCallback(
        this, [path] { return readFile(path); }, std::move(done), Source::readPool());
}

void FileCommitter::write(QByteArray bytes, QString expectedVersion, Done done)
{
    const QString path = m_destination.path;
    const int kept = m_options.backupsKept;
    QPointer<FileCommitter> self(this);
    runThenCallback(
        this, [=] { return writeFile(path, bytes, expectedVersion, kept); },
        [self, done = std::move(done)](Result<WriteOutcome> r) {
            if (!r.ok())
                return done(r.error());
            if (self)
                self->m_lastBackup = r.value().backup;
            done(r.value().content);
        },
        Source::readPool());
}

// ---- Kubernetes -------------------------------------------------------------------------------------

KubeCommitter::KubeCommitter(Destination destination, kube::KubeClient* client, QObject* parent)
    : Committer(std::move(destination), parent), m_client(client)
{
}

KubeCommitter::KubeCommitter(Destination destination, CommitterOptions options, QObject* parent)
    : Committer(std::move(destination), parent), m_lazy(std::move(options))
{
}

void KubeCommitter::withClient(std::function<void(const Error*)> next)
{
    if (m_client)
        return next(nullptr);
    if (m_clientError)
        return next(&*m_clientError);
    if (!m_lazy)
        return next(nullptr); // fetch() says there is no client
    m_waiting.push_back(std::move(next));
    if (m_waiting.size() > 1)
        return; // a load is under way
    kube::KubeClient::fromKubeconfigAsync(
        this, m_destination.ref.context, m_lazy->kubeconfig, this, [this](Result<kube::KubeClient*> client) {
            if (!client.ok()) {
                m_clientError = Error { client.error().message, m_destination.id(), commitcode::unusable };
            } else {
                client.value()->setRequestTimeoutMs(m_lazy->requestTimeoutMs);
                m_client = client.value();
            }
            for (auto& waiting : std::exchange(m_waiting, {}))
                waiting(m_clientError ? &*m_clientError : nullptr);
        });
}

QString KubeCommitter::backupLocation() const
{
    return u"the rotation state file (earlier values of %1)"_s.arg(m_destination.ref.effectiveKey());
}

QStringList KubeCommitter::consumerNotes() const
{
    return { u"pods see a mounted %1 change after the kubelet's sync period plus its cache TTL (about a minute, "
             "often more); a key mounted with subPath and a key read into an environment variable never update: "
             "those pods need a restart"_s.arg(kube::KubeObjectRef::kindName(m_destination.ref.kind)) };
}

namespace {

Error kubeError(const Destination& d, const kube::KubeError& e)
{
    const QString code = e.kind == kube::KubeError::Kind::Conflict ? commitcode::conflict : commitcode::io;
    if (e.kind == kube::KubeError::Kind::NotFound)
        return Error { u"%1 %2/%3 does not exist (create it first; a rotation only updates a key)"_s.arg(
                           kube::KubeObjectRef::kindName(d.ref.kind), d.ref.nameSpace, d.ref.name),
                       d.id(), commitcode::unusable };
    return Error { e.message, d.id(), code };
}

/// The key's bytes (KubeObject has decoded a Secret's base64 and a ConfigMap's data or binaryData).
Result<DestinationContent> contentOf(const Destination& d, const kube::KubeObject& object)
{
    const QString key = d.ref.effectiveKey();
    const auto it = object.data.constFind(key);
    if (it == object.data.constEnd())
        return Error { u"the %1 has no key '%2' (keys: %3)"_s.arg(kube::KubeObjectRef::kindName(d.ref.kind), key,
                                                                  object.data.keys().join(u", "_s)),
                       d.id(), commitcode::unusable };
    DestinationContent c;
    c.version = object.resourceVersion;
    c.bytes = it.value();
    if (holdsPrivateKey(c.bytes))
        return Error {
            u"key '%1' holds a private key, so it is not a trust bundle; a rotation never reads or rewrites it"_s.arg(
                key),
            d.id(), commitcode::unusable
        };
    c.exists = true;
    c.sha256 = sha256Hex(c.bytes);
    return c;
}

/// Why `bytes` cannot go into the object's key as it is now ("" when they can).
QString unwritable(const Destination& d, const kube::KubeObject& object, const QByteArray& bytes)
{
    if (d.ref.kind != kube::ObjectKind::ConfigMap)
        return {};
    // The API server refuses any change to an immutable ConfigMap; say so before trying.
    if (object.raw.value(u"immutable"_s).toBool())
        return u"the ConfigMap is immutable: it can only be replaced by a new one, never updated"_s;
    // Where the key lives now decides where it stays (KubeObject::toJson keeps it there): text in data,
    // bytes in binaryData. Bytes that are not text cannot go into data.
    const QString key = d.ref.effectiveKey();
    if (!object.binaryKeys.contains(key) && !QUtf8StringView(bytes).isValidUtf8())
        return u"key '%1' is in the ConfigMap's data, which holds text only, and the new bundle is not UTF-8 text; "
               "nothing was written"_s.arg(key);
    return {};
}

} // namespace

void KubeCommitter::fetch(std::function<void(Result<kube::KubeObject>)> done)
{
    if (!m_client && m_lazy) {
        QPointer<KubeCommitter> self(this);
        return withClient([self, done](const Error* error) {
            if (!self)
                return;
            if (error)
                return done(*error);
            self->fetch(done);
        });
    }
    if (!m_client)
        return done(Error { u"no Kubernetes client"_s, m_destination.id(), commitcode::io });
    const Destination d = m_destination;
    m_client->getObject(d.ref.kind, d.ref.nameSpace, d.ref.name, this, [d, done](kube::KubeResult<kube::KubeObject> r) {
        if (!r.ok())
            return done(kubeError(d, r.error));
        done(r.value);
    });
}

void KubeCommitter::read(Done done)
{
    const Destination d = m_destination;
    fetch([d, done](Result<kube::KubeObject> r) {
        if (!r.ok())
            return done(r.error());
        done(contentOf(d, r.value()));
    });
}

void KubeCommitter::write(QByteArray bytes, QString expectedVersion, Done done)
{
    const Destination d = m_destination;
    QPointer<KubeCommitter> self(this);
    fetch([=](Result<kube::KubeObject> got) {
        if (!got.ok())
            return done(got.error());
        if (!self || !self->m_client)
            return done(
                Error { u"the Kubernetes client is gone; nothing was written"_s, d.id(), commitcode::unusable });
        kube::KubeObject object = got.value();
        Result<DestinationContent> before = contentOf(d, object);
        if (!before.ok())
            return done(before.error());
        if (before.value().version != expectedVersion)
            return done(Error { u"was changed by someone else since it was staged (resourceVersion %1, staged %2); "
                                "nothing was written"_s.arg(before.value().version, expectedVersion),
                                d.id(), commitcode::conflict });
        if (const QString why = unwritable(d, object, bytes); !why.isEmpty())
            return done(Error { why, d.id(), commitcode::unusable });
        // One key changes; every other key, label and field goes back as it came. The staged
        // resourceVersion is the precondition: the API server answers 409 if anyone wrote since.
        object.data.insert(d.ref.effectiveKey(), bytes);
        object.resourceVersion = expectedVersion;
        self->m_client->replaceObject(object, self, [=](kube::KubeResult<kube::KubeObject> put) {
            if (!put.ok()) {
                Error e = kubeError(d, put.error);
                if (e.code == commitcode::conflict)
                    e.message = u"was changed by someone else between staging and the write (the API server refused "
                                "the update with 409 Conflict on resourceVersion %1); nothing was written"_s.arg(
                                    expectedVersion);
                return done(e);
            }
            if (!self)
                return;
            // Read back what the API server now holds and compare it byte for byte.
            self->fetch([=](Result<kube::KubeObject> again) {
                if (!again.ok())
                    return done(again.error());
                Result<DestinationContent> after = contentOf(d, again.value());
                if (!after.ok())
                    return done(after.error());
                if (after.value().bytes != bytes)
                    return done(Error { u"was updated but reads back different bytes (someone wrote after us, or a "
                                        "controller rewrote the key)"_s,
                                        d.id(), commitcode::mismatch });
                done(after.value());
            });
        });
    });
}

} // namespace certrotor::rotation
