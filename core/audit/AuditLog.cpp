// SPDX-License-Identifier: GPL-3.0-or-later
#include "AuditLog.h"

#include "AuditLogging.h"
#include "audit/AuditEvents.h"
#include "keyring/Keyring.h"
#include "util/BuildInfo.h"
#include "util/Clock.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMutexLocker>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTimer>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcAudit, "certrotor.audit", QtInfoMsg)

namespace certrotor {

namespace {

QString userName()
{
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name)
        return QString::fromLocal8Bit(pw->pw_name);
    return qEnvironmentVariable("USER");
}

QString osError(int code)
{
    return QString::fromLocal8Bit(std::strerror(code));
}

/// Closes the descriptor (and so drops the flock) on every path out of a write.
struct Fd
{
    int fd = -1;
    ~Fd()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

bool writeAll(int fd, const QByteArray& bytes)
{
    const char* p = bytes.constData();
    qsizetype left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, size_t(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        left -= n;
    }
    return true;
}

struct Tail
{
    qint64 seq = 0;
    QString mac;
    QString macAlg; // the last intact record's
    bool endsWithNewline = true;
    bool skippedBroken = false;
};

/// The last intact record's seq and mac, reading backwards from the end in growing chunks.
Result<Tail> readTail(int fd, const QString& path)
{
    struct stat st{};
    if (::fstat(fd, &st) != 0)
        return Error{QStringLiteral("cannot read the audit log: ") + osError(errno), path};
    const qint64 size = st.st_size;
    Tail tail;
    if (size == 0)
        return tail;
    for (qint64 chunk = 64 * 1024;; chunk *= 4) {
        const qint64 from = qMax<qint64>(0, size - chunk);
        QByteArray buf(size - from, Qt::Uninitialized);
        qint64 got = 0;
        while (got < buf.size()) {
            const ssize_t n = ::pread(fd, buf.data() + got, size_t(buf.size() - got), off_t(from + got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return Error{QStringLiteral("cannot read the audit log: ") + osError(errno), path};
            got += n;
        }
        tail.endsWithNewline = buf.endsWith('\n');
        QList<QByteArray> lines = buf.split('\n');
        if (from > 0)
            lines.removeFirst(); // maybe cut in the middle
        for (qsizetype i = lines.size() - 1; i >= 0; --i) {
            const QByteArray& line = lines.at(i);
            if (line.isEmpty())
                continue;
            QByteArray canonical;
            QString mac;
            const QJsonObject o = QJsonDocument::fromJson(line).object();
            const qint64 seq = o.value(QLatin1String("seq")).toInteger();
            if (audit::splitLine(line, canonical, mac) && seq > 0) {
                tail.seq = seq;
                tail.mac = mac;
                tail.macAlg = o.value(QLatin1String("macAlg")).toString();
                return tail;
            }
            tail.skippedBroken = true;
        }
        if (from == 0)
            return tail; // no intact record at all
    }
}

} // namespace

QString AuditLog::defaultPath()
{
    const QString env = qEnvironmentVariable("CERTROTOR_AUDIT_LOG");
    if (!env.isEmpty())
        return env;
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/certrotor/audit.jsonl");
}

AuditLog::AuditLog(const QString& path, const Clock* clock, QObject* parent)
    : QObject(parent), m_path(path.isEmpty() ? defaultPath() : path), m_clock(clock ? clock : &Clock::system())
{
    qRegisterMetaType<certrotor::AuditEntry>();
    m_actor = QJsonObject{{QStringLiteral("user"), userName()},
                          {QStringLiteral("host"), QSysInfo::machineHostName()},
                          {QStringLiteral("tool"), buildinfo::userAgent()}};
    m_writer.setMaxThreadCount(1);
}

AuditLog::~AuditLog()
{
    // What still waits for the key is written with SHA-256 chaining (or refused, for a keyed log).
    if (!isReady())
        setKey({}, QStringLiteral("the log was closed before the keyring answered"));
    // Never hang: each write gives up on the file's lock after audit::lockTimeoutMs(), and the records
    // that have not started by then are dropped, and said so, rather than each waiting in turn.
    {
        QMutexLocker lock(&m_mutex);
        m_closing = QDeadlineTimer(audit::lockTimeoutMs());
    }
    m_writer.waitForDone();
    releaseKeyLock();
    QMutexLocker lock(&m_mutex);
    if (!m_dropped.isEmpty())
        qCWarning(lcAudit).noquote() << QStringLiteral("%1 audit record(s) not written to %2 when it was closed (%3): %4")
                                            .arg(m_dropped.size())
                                            .arg(m_path,
                                                 m_errors.isEmpty() ? QStringLiteral("it could not be written in time")
                                                                    : m_errors.last(),
                                                 m_dropped.join(QStringLiteral(", ")));
    m_key.fill('\0');
}

void AuditLog::open(const QString& keyringService)
{
    if (m_keyring || isReady())
        return;
    m_keyringService = keyringService;
    // Without a session bus, libsecret would try to autolaunch one through X11 (dbus-launch), leaving a
    // stray bus behind: the audit log never does that, it falls back at once.
    if (!sessionBusAvailable()) {
        QTimer::singleShot(0, this, [this] {
            setKey({}, QStringLiteral("no audit key from the keyring (there is no D-Bus session bus); records are "
                                      "chained with plain SHA-256, which shows reordering and edits but not who made them"));
        });
        return;
    }
    m_keyring = new Keyring(keyringService.isEmpty() ? Keyring::defaultService() : keyringService, this);
    m_keyring->setTimeoutMs(m_keyringTimeoutMs);
    m_keyring->read(audit::keyAccount(), [this](Result<std::optional<QByteArray>> found) {
        if (!found.ok()) {
            fallBack(found.error().text());
            return;
        }
        if (found.value().has_value()) {
            useFoundKey(*found.value());
            found.value()->fill('\0');
            return;
        }
        createKey(QDeadlineTimer(m_keyringTimeoutMs));
    });
}

void AuditLog::fallBack(const QString& why)
{
    releaseKeyLock();
    {
        QMutexLocker lock(&m_mutex);
        if (!m_ready)
            m_noKeyWhy = why;
    }
    setKey({}, QStringLiteral("no audit key from the keyring (%1); records are chained with plain SHA-256, "
                              "which shows reordering and edits but not who made them")
                   .arg(why));
}

void AuditLog::useFoundKey(QByteArray key)
{
    releaseKeyLock();
    if (key.size() != audit::kKeySize) {
        key.fill('\0');
        fallBack(QStringLiteral("the keyring's %1 entry is not a %2-byte key; it was left alone")
                     .arg(audit::keyAccount())
                     .arg(audit::kKeySize));
        return;
    }
    setKey(key);
    key.fill('\0');
}

void AuditLog::releaseKeyLock()
{
    if (m_keyLockFd >= 0)
        ::close(m_keyLockFd); // drops the flock
    m_keyLockFd = -1;
}

bool AuditLog::logIsKeyed() const
{
    Fd file;
    file.fd = ::open(QFile::encodeName(m_path).constData(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0)
        return false;
    const Result<Tail> tail = readTail(file.fd, m_path);
    return tail.ok() && tail.value().macAlg == QLatin1String(audit::kHmacSha256);
}

void AuditLog::createKey(QDeadlineTimer deadline)
{
    // First use. Two processes may get here at once, each finding no key: the key is read again and made
    // only under an exclusive flock on <logdir>/.audit-key.lock, so the second one finds the first one's
    // key instead of overwriting it. Tried without blocking (this is the GUI thread in the console).
    if (m_keyLockFd < 0) {
        const QString dir = QFileInfo(m_path).absolutePath();
        if (!QFileInfo::exists(dir)) {
            if (!QDir().mkpath(dir)) {
                fallBack(QStringLiteral("cannot create the audit log's directory %1").arg(dir));
                return;
            }
            QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        }
        const QString lockPath = dir + QStringLiteral("/.audit-key.lock");
        m_keyLockFd = ::open(QFile::encodeName(lockPath).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (m_keyLockFd < 0) {
            fallBack(QStringLiteral("cannot open %1: %2").arg(lockPath, osError(errno)));
            return;
        }
    }
    if (::flock(m_keyLockFd, LOCK_EX | LOCK_NB) != 0) {
        const int code = errno;
        if ((code == EWOULDBLOCK || code == EINTR) && !deadline.hasExpired()) {
            QTimer::singleShot(20, this, [this, deadline] { createKey(deadline); });
            return;
        }
        fallBack(code == EWOULDBLOCK ? QStringLiteral("another process is creating the audit key and did not finish in time")
                                     : QStringLiteral("cannot lock the audit key: ") + osError(code));
        return;
    }
    const QString account = audit::keyAccount();
    m_keyring->read(account, [this, account](Result<std::optional<QByteArray>> found) {
        if (!found.ok()) {
            fallBack(found.error().text());
            return;
        }
        if (found.value().has_value()) { // made by another process while this one waited for the lock
            useFoundKey(*found.value());
            found.value()->fill('\0');
            return;
        }
        // A log that already has HMAC records was keyed with a key the keyring no longer holds: a new key
        // would make them unverifiable and look like the old one. None is made; appends are then refused
        // (writeLocked: a keyed log takes no SHA-256 record) until the old key is back.
        if (logIsKeyed()) {
            fallBack(QStringLiteral("the keyring holds no audit key, but %1 already has HMAC records made with one; "
                                    "no new key was made, restore the old one in the keyring")
                         .arg(m_path));
            return;
        }
        QByteArray key(audit::kKeySize, Qt::Uninitialized);
        QRandomGenerator::system()->generate(key.begin(), key.end());
        m_keyring->write(account, key, [this, account](Result<std::monostate> written) {
            if (!written.ok()) {
                fallBack(written.error().text());
                return;
            }
            qCInfo(lcAudit) << "created the audit HMAC key in the keyring";
            m_keyring->read(account, [this](Result<std::optional<QByteArray>> back) {
                if (!back.ok() || !back.value().has_value()) {
                    fallBack(back.ok() ? QStringLiteral("the stored key could not be read back") : back.error().text());
                    return;
                }
                useFoundKey(*back.value());
                back.value()->fill('\0');
            });
        });
        key.fill('\0');
    });
}

bool AuditLog::sessionBusAvailable()
{
    return !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS")
           || QFileInfo::exists(qEnvironmentVariable("XDG_RUNTIME_DIR") + QStringLiteral("/bus"));
}

AuditVerifyReport AuditLog::verify() const
{
    return verifyWith(verifyInputs());
}

AuditLog::VerifyInputs AuditLog::verifyInputs() const
{
    VerifyInputs inputs;
    inputs.path = m_path;
    inputs.keyringService = m_keyringService;
    inputs.keyringTimeoutMs = m_keyringTimeoutMs;
    QMutexLocker lock(&m_mutex);
    inputs.askKeyring = !m_withoutKeyring;
    // A deep copy (not a shared QByteArray), zeroed in place when the snapshot is dropped.
    inputs.key = std::shared_ptr<const QByteArray>(new QByteArray(m_key.constData(), m_key.size()), [](const QByteArray* key) {
        QByteArray* owned = const_cast<QByteArray*>(key);
        owned->fill('\0');
        delete owned;
    });
    return inputs;
}

AuditVerifyReport AuditLog::verifyWith(const VerifyInputs& inputs)
{
    return verifyFile(inputs.path, inputs.key ? *inputs.key : QByteArray(), inputs.askKeyring, inputs.keyringService,
                      inputs.keyringTimeoutMs);
}

AuditVerifyReport AuditLog::verifyFile(const QString& path, const QByteArray& key, bool askKeyring,
                                       const QString& keyringService, int keyringTimeoutMs)
{
    QByteArray found;
    if (key.isEmpty() && askKeyring && sessionBusAvailable()) {
        // On this (worker) thread with a local event loop: the keyring's own timeout bounds the wait.
        Keyring keyring(keyringService.isEmpty() ? Keyring::defaultService() : keyringService, nullptr);
        keyring.setTimeoutMs(keyringTimeoutMs);
        std::optional<Result<std::optional<QByteArray>>> outcome = keyring::waitFor<std::optional<QByteArray>>(
            [&](Keyring::ReadDone done) { keyring.read(audit::keyAccount(), std::move(done)); });
        if (outcome->ok() && outcome->value().has_value()) {
            if (outcome->value()->size() == audit::kKeySize)
                found = *outcome->value();
            outcome->value()->fill('\0');
        }
    }
    const QByteArray& use = key.isEmpty() ? found : key;
    AuditVerifyReport report = verifyAuditLog(path, use.isEmpty() ? std::nullopt : std::optional<QByteArray>(use));
    found.fill('\0');
    return report;
}

void AuditLog::openWithoutKeyring()
{
    {
        QMutexLocker lock(&m_mutex);
        m_withoutKeyring = true;
    }
    setKey({}, QStringLiteral("the keyring is not used"));
}

void AuditLog::setKey(const QByteArray& key, const QString& fallbackReason)
{
    {
        QMutexLocker lock(&m_mutex);
        if (m_ready)
            return;
        m_key = key;
        m_fallbackReason = key.isEmpty() ? (fallbackReason.isEmpty() ? QStringLiteral("no key") : fallbackReason) : QString();
        m_ready = true;
        // Queued while still holding the mutex: an append() on another thread sees m_ready only after
        // this, so its record cannot overtake the ones that waited for the key.
        for (Pending& p : m_pending)
            submit(std::move(p));
        m_pending.clear();
    }
    // A host without a session bus or keyring service (servers, CI) is an expected setup: said at info
    // level. A keyring that is there but locked, silent or holding a bad key deserves a warning.
    if (key.isEmpty() && !fallbackReason.isEmpty() && fallbackReason != QLatin1String("the keyring is not used")) {
        if (fallbackReason.contains(QLatin1String("no D-Bus session bus")) || fallbackReason.contains(QLatin1String("no keyring service")))
            qCInfo(lcAudit).noquote() << fallbackReason;
        else
            qCWarning(lcAudit).noquote() << fallbackReason;
    }
    Q_EMIT ready();
}

bool AuditLog::isReady() const
{
    QMutexLocker lock(&m_mutex);
    return m_ready;
}

QString AuditLog::macAlg() const
{
    QMutexLocker lock(&m_mutex);
    if (!m_ready)
        return {};
    return QLatin1String(m_key.isEmpty() ? audit::kSha256 : audit::kHmacSha256);
}

QString AuditLog::fallbackReason() const
{
    QMutexLocker lock(&m_mutex);
    return m_fallbackReason;
}

QStringList AuditLog::errors() const
{
    QMutexLocker lock(&m_mutex);
    return m_errors;
}

Result<std::monostate> AuditLog::append(const audit::AuditRecord& record)
{
    return append(record.event, record.data);
}

Result<std::monostate> AuditLog::append(const QString& event, const QJsonObject& data)
{
    if (event.isEmpty())
        return Error{QStringLiteral("an audit record needs an event name"), QStringLiteral("audit log")};
    if (const QString field = audit::secretField(data); !field.isEmpty()) {
        // A programming mistake, reported loudly: the record is refused whole.
        qCCritical(lcAudit).noquote() << "refused an audit record of" << event << "with a field that looks like a secret:"
                                      << field;
        return Error{QStringLiteral("refused: the %1 record holds \"%2\", which looks like a secret; secrets never "
                                    "go into the audit log")
                         .arg(event, field),
                     QStringLiteral("audit log")};
    }
    Pending p{event, data, m_clock->nowUtc().toUTC()};
    QMutexLocker lock(&m_mutex);
    if (!m_ready)
        m_pending << std::move(p);
    else
        submit(std::move(p)); // under the mutex, like setKey(): the writer takes records in append order
    return std::monostate();
}

void AuditLog::submit(Pending pending)
{
    // Called with m_mutex held; QThreadPool::start() never runs the task on this thread.
    m_writer.start([this, pending = std::move(pending)] { write(pending); });
}

bool AuditLog::waitForWritten(int timeoutMs)
{
    if (!isReady())
        return false;
    return m_writer.waitForDone(timeoutMs);
}

void AuditLog::write(const Pending& pending)
{
    QByteArray key;
    {
        QMutexLocker lock(&m_mutex);
        if (m_closing.hasExpired()) {
            m_dropped << QStringLiteral("%1 (%2)").arg(pending.event, pending.time.toString(Qt::ISODateWithMs));
            return;
        }
        key = m_key;
    }
    Result<AuditEntry> written = writeLocked(pending, key);
    key.fill('\0');
    if (written.ok()) {
        Q_EMIT entryAdded(written.value());
        return;
    }
    const QString text = written.error().text();
    qCWarning(lcAudit).noquote() << "audit record not written:" << text;
    {
        QMutexLocker lock(&m_mutex);
        m_errors << text;
    }
    Q_EMIT writeFailed(text);
}

Result<AuditEntry> AuditLog::writeLocked(const Pending& pending, const QByteArray& key)
{
    const QString dir = QFileInfo(m_path).absolutePath();
    if (!QFileInfo::exists(dir)) {
        if (!QDir().mkpath(dir))
            return Error{QStringLiteral("cannot create the audit log's directory"), dir};
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }
    Fd file;
    const QByteArray native = QFile::encodeName(m_path);
    file.fd = ::open(native.constData(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (file.fd < 0)
        return Error{QStringLiteral("cannot open the audit log: ") + osError(errno), m_path};
    // A log made by hand or by an older tool may be readable by others: it is the owner's alone.
    struct stat st{};
    if (::fstat(file.fd, &st) == 0 && (st.st_mode & 077) != 0 && st.st_uid == ::getuid())
        ::fchmod(file.fd, 0600);
    // Bounded: a process that holds the lock for good (stopped in a debugger, hung on a dead NFS
    // server) turns into a plain error rather than a writer thread that never returns.
    if (const QString locked = audit::lockFile(file.fd, LOCK_EX); !locked.isEmpty())
        return Error{locked, m_path};

    Result<Tail> tail = readTail(file.fd, m_path);
    if (!tail.ok())
        return tail.error();
    // A keyed log stays keyed: a SHA-256 record after an HMAC one would read as a downgrade (verify
    // refuses it), so the record is refused instead, with nothing written.
    if (key.isEmpty() && tail.value().macAlg == QLatin1String(audit::kHmacSha256)) {
        QString why;
        {
            QMutexLocker lock(&m_mutex);
            why = m_noKeyWhy.isEmpty() ? m_fallbackReason : m_noKeyWhy;
        }
        return Error{QStringLiteral("the audit log is keyed (HMAC) but the keyring key is not available: %1; the %2 "
                                    "record was not written")
                         .arg(why.isEmpty() ? QStringLiteral("no key") : why, pending.event),
                     m_path};
    }
    if (tail.value().skippedBroken)
        qCWarning(lcAudit).noquote() << m_path << "ends with a damaged record; the chain continues from the last intact one"
                                     << "(audit verify reports the damage)";

    AuditEntry e;
    e.seq = tail.value().seq + 1;
    e.time = pending.time;
    e.event = pending.event;
    e.actor = m_actor;
    e.data = pending.data;
    e.macAlg = QLatin1String(key.isEmpty() ? audit::kSha256 : audit::kHmacSha256);
    e.prev = tail.value().mac;
    const QByteArray canonical = QJsonDocument(e.toJson()).toJson(QJsonDocument::Compact);
    e.mac = audit::mac(canonical, key);
    QByteArray bytes;
    if (!tail.value().endsWithNewline)
        bytes += '\n'; // a torn last line stays a line of its own
    bytes += audit::line(canonical, e.mac);
    bytes += '\n';
    if (!writeAll(file.fd, bytes))
        return Error{QStringLiteral("cannot write to the audit log: ") + osError(errno), m_path};
    if (::fdatasync(file.fd) != 0)
        return Error{QStringLiteral("cannot flush the audit log to disk: ") + osError(errno), m_path};
    return e;
}

} // namespace certrotor
