// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "kube/KubeClient.h"
#include "kube/KubeObjectRef.h"
#include "util/Result.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace certrotor::rotation {

/// Where a rotation writes a trust bundle: a file, or one key of a Kubernetes Secret or ConfigMap.
struct Destination {
    enum class Kind { File, Secret, ConfigMap };

    Kind kind = Kind::File;
    QString path; // File: absolute path
    kube::KubeObjectRef ref; // Secret / ConfigMap

    /// A file path (relative paths are made absolute), `secret://[CONTEXT/]NS/NAME#KEY` or
    /// `configmap://[CONTEXT/]NS/NAME#KEY`.
    static Result<Destination> parse(const QString& spec);
    /// The canonical name: the absolute path or the reference's URI (with its key).
    QString id() const;
    bool isKube() const { return kind != Kind::File; }
    static QString kindName(Kind kind); // "file", "secret", "configmap"
};

/// What a destination holds at one moment.
struct DestinationContent {
    bool exists = false; // a missing file is a store that trusts nothing (it may be created)
    QByteArray bytes;
    /// The precondition a commit checks: the content's SHA-256 for a file ("absent" for a missing file),
    /// the object's resourceVersion for a Secret or ConfigMap.
    QString version;
    QString sha256; // hex SHA-256 of `bytes`
};

/// Stable codes of committer errors (Error::code).
namespace commitcode {
inline const QString conflict = QStringLiteral("conflict"); // the destination changed since it was read
inline const QString mismatch = QStringLiteral("readback-mismatch"); // written, but reads back differently
inline const QString unusable
    = QStringLiteral("unusable"); // not a destination we can write (missing key, private key, ...)
inline const QString io = QStringLiteral("io"); // read/write/network failure
} // namespace commitcode

struct CommitterOptions {
    int backupsKept = 5; // file destinations: versions kept beside the file
    int requestTimeoutMs = 30000; // Kubernetes calls
    QString kubeconfig; // Secrets and ConfigMaps: this kubeconfig file ("" = $KUBECONFIG or ~/.kube/config)
};

/// Reads and writes one destination, asynchronously (files on a worker thread, Kubernetes through the
/// API). Callbacks run on the committer's thread; a callback is dropped when the committer is gone.
///
/// write() is the only way a trust store changes: it checks the precondition (the version read
/// at staging), writes the whole new bundle atomically (file: temporary file, fsync, rename, fsync of
/// the directory, mode and owner kept, previous version kept as a backup; Kubernetes: a PUT of the one
/// key with the resourceVersion as precondition, every other key untouched), then reads the
/// destination back and compares it byte for byte. A changed destination is an Error with code
/// commitcode::conflict and nothing is written.
class Committer : public QObject {
    Q_OBJECT
public:
    using Done = std::function<void(Result<DestinationContent>)>;

    explicit Committer(Destination destination, QObject* parent = nullptr)
        : QObject(parent), m_destination(std::move(destination))
    {
    }
    ~Committer() override = default;

    const Destination& destination() const { return m_destination; }

    virtual void read(Done done) = 0;
    virtual void write(QByteArray bytes, QString expectedVersion, Done done) = 0;
    /// Where earlier versions are kept, in words ("/etc/ssl/.certrotor-backups/ca.pem/"; "the rotation
    /// state file" for Kubernetes objects).
    virtual QString backupLocation() const = 0;
    /// The backup the last successful write() made ("" when none).
    QString lastBackup() const { return m_lastBackup; }
    /// Warnings about how consumers pick a change up (Kubernetes: kubelet sync period, subPath, env vars).
    virtual QStringList consumerNotes() const { return {}; }

    /// Makes the committer for a destination; Kubernetes destinations load the kubeconfig now (its files
    /// are small, but call this off the GUI thread all the same when a console restores many).
    static Result<std::unique_ptr<Committer>> create(const Destination& destination, const CommitterOptions& options);

protected:
    Destination m_destination;
    QString m_lastBackup;
};

/// A bundle file.
class FileCommitter : public Committer {
    Q_OBJECT
public:
    FileCommitter(Destination destination, CommitterOptions options, QObject* parent = nullptr);

    void read(Done done) override;
    void write(QByteArray bytes, QString expectedVersion, Done done) override;
    QString backupLocation() const override;
    QStringList backups() const; // oldest first

    /// The synchronous parts (worker threads, tests, benchmarks).
    static Result<DestinationContent> readFile(const QString& path);
    struct WriteOutcome {
        DestinationContent content;
        QString backup;
    };
    static Result<WriteOutcome> writeFile(const QString& path, const QByteArray& bytes, const QString& expectedVersion,
                                          int backupsKept);
    static QString backupDirFor(const QString& path);

private:
    CommitterOptions m_options;
};

/// One key of a Secret or ConfigMap.
class KubeCommitter : public Committer {
    Q_OBJECT
public:
    /// `client` is used, not owned.
    KubeCommitter(Destination destination, kube::KubeClient* client, QObject* parent = nullptr);
    /// The client is made on first use from the kubeconfig (`options.kubeconfig`, else the default), which
    /// is read and parsed on the thread pool: making the committer reads nothing. A kubeconfig that does
    /// not work fails the first read or write (code unusable).
    KubeCommitter(Destination destination, CommitterOptions options, QObject* parent = nullptr);

    void read(Done done) override;
    void write(QByteArray bytes, QString expectedVersion, Done done) override;
    QString backupLocation() const override;
    QStringList consumerNotes() const override;
    kube::KubeClient* client() const { return m_client; }

private:
    void fetch(std::function<void(Result<kube::KubeObject>)> done);
    void withClient(std::function<void(const Error*)> next);

    QPointer<kube::KubeClient> m_client;
    std::optional<CommitterOptions> m_lazy; // set: the client is made on first use
    std::optional<Error> m_clientError;
    std::vector<std::function<void(const Error*)>> m_waiting; // uses waiting for the client
};

} // namespace certrotor::rotation
