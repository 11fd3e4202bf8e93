// SPDX-License-Identifier: GPL-3.0-or-later
#include "rotation/Rotation.h"

#include "audit/AuditLog.h"
#include "probe/ProbeJson.h"
#include "rotation/Candidate.h"
#include "rotation/RotationEvents.h"
#include "sources/Source.h"
#include "util/AsyncTask.h"
#include "util/Clock.h"
#include "x509/Bundle.h"
#include "x509/Lint.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcRotation, "certrotor.rotation", QtInfoMsg)

namespace certrotor::rotation {

namespace {

QString sha256Hex(const QByteArray& bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QByteArray pemOf(const QList<Certificate>& certs)
{
    QByteArray out;
    for (const Certificate& c : certs)
        out += c.toPem();
    return out;
}

QStringList subjectsOf(const QList<Certificate>& certs)
{
    QStringList out;
    for (const Certificate& c : certs)
        out << c.info().subject.rfc4514;
    return out;
}

/// The preview of one destination, computed on a worker thread (10,000 certificates take a while).
struct PreviewWork {
    DestinationOutcome outcome;
    QByteArray overlapBytes;
    Rotation::Parsed before, overlap; // for the rotation's parse cache
    QString error; // the destination's current content has unreadable blocks
};

PreviewWork computePreview(const QString& destId, const QByteArray& before, const QList<Certificate>& candidate,
                           Rotation::Mode mode, qint64 now, int warningDays)
{
    PreviewWork w;
    DestinationOutcome& o = w.outcome;
    o.destination = destId;
    const Bundle current = parseBundle(before, destId);
    if (current.hasErrors()) {
        w.error = u"the destination's current content has unreadable blocks, so it cannot be merged safely:\n"_s
            + bundleErrorsText(current);
        return w;
    }
    const QList<Certificate> old = current.certificates();
    const Overlap overlap = buildOverlap(old, candidate, Overlap::Order::NewFirst);
    w.overlapBytes = pemOf(overlap.certificates);
    const auto parsedOf = [](const QByteArray& bytes, const QList<Certificate>& certs) {
        Rotation::Parsed p { bytes, certs, {} };
        for (const Certificate& c : certs)
            p.shas.insert(c.info().sha256Hex());
        return p;
    };
    w.before = parsedOf(before, old);
    w.overlap = parsedOf(w.overlapBytes, overlap.certificates);
    const QByteArray newBytes = pemOf(candidate);
    const QByteArray& proposed = mode == Rotation::Mode::Overlap ? w.overlapBytes : newBytes;
    const QList<Certificate>& proposedCerts = mode == Rotation::Mode::Overlap ? overlap.certificates : candidate;
    const BundleDiff diff = diffBundles(old, proposedCerts);
    o.diff
        = unifiedDiff(before, proposed, destId + u" (now)"_s, destId + u" (after "_s + Rotation::modeName(mode) + u')');
    o.added = subjectsOf(diff.added);
    o.removed = subjectsOf(diff.removed);
    o.certificatesBefore = int(old.size());
    o.certificatesAfter = int(proposedCerts.size());
    o.overlapWindows = overlap.windows;
    o.beforeSha256 = sha256Hex(before);
    o.afterSha256 = sha256Hex(proposed);
    Bundle proposedBundle;
    proposedBundle.name = destId;
    for (const Certificate& c : proposedCerts)
        proposedBundle.entries.append(BundleEntry { c, {} });
    const QList<Finding> findings = lintBundle(proposedBundle, LintOptions { now, warningDays });
    for (const Finding& f : findings) {
        if (f.severity == Finding::Severity::Error)
            o.notes << u"error finding %1: %2"_s.arg(f.code, f.message);
    }
    return w;
}

} // namespace

QString Rotation::modeName(Mode mode)
{
    return mode == Mode::Overlap ? u"overlap"_s : u"replace"_s;
}

Result<ProbeTarget> parseTargetSpec(const QString& spec)
{
    const QStringList parts = spec.split(u';');
    Result<ProbeTarget> t = ProbeTarget::parse(parts.first().trimmed());
    if (!t.ok())
        return t;
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QString p = parts.at(i).trimmed();
        if (p.startsWith(u"servername="_s))
            t.value().serverName = p.mid(11);
        else if (p.startsWith(u"service="_s))
            t.value().service = p.mid(8);
        else if (!p.isEmpty())
            return Error { u"unknown target option '%1' (servername=NAME, service=NAME)"_s.arg(p), spec };
    }
    return t;
}

QString targetSpec(const ProbeTarget& target)
{
    QString s = target.address();
    if (!target.serverName.isEmpty())
        s += u";servername="_s + target.serverName;
    if (!target.service.isEmpty())
        s += u";service="_s + target.service;
    return s;
}

QJsonObject DestinationOutcome::toJson() const
{
    QJsonArray vs, ts, windows;
    for (const Violation& v : violations)
        vs.append(QJsonObject { { u"rule"_s, v.rule },
                                { u"message"_s, v.message },
                                { u"targets"_s, QJsonArray::fromStringList(v.targets) } });
    for (const TargetStatus& t : targets)
        ts.append(t.toJson());
    for (const Overlap::Window& w : overlapWindows)
        windows.append(QJsonObject { { u"start"_s, isoUtc(w.start) }, { u"end"_s, isoUtc(w.end) } });
    QJsonObject o { { u"destination"_s, destination },
                    { u"wave"_s, wave },
                    { u"phase"_s, phase },
                    { u"ok"_s, ok },
                    { u"violations"_s, vs },
                    { u"overridden"_s, overridden },
                    { u"verdict"_s, verdict },
                    { u"targets"_s, ts },
                    { u"beforeSha256"_s, beforeSha256 },
                    { u"afterSha256"_s, afterSha256 },
                    { u"certificatesBefore"_s, certificatesBefore },
                    { u"certificatesAfter"_s, certificatesAfter },
                    { u"added"_s, QJsonArray::fromStringList(added) },
                    { u"removed"_s, QJsonArray::fromStringList(removed) },
                    { u"linesAdded"_s, diff.added },
                    { u"linesRemoved"_s, diff.removed },
                    { u"overlapWindows"_s, windows },
                    { u"notes"_s, QJsonArray::fromStringList(notes) } };
    if (!waveName.isEmpty())
        o.insert(u"waveName"_s, waveName);
    if (!code.isEmpty())
        o.insert(u"code"_s, code);
    if (!message.isEmpty())
        o.insert(u"message"_s, message);
    if (!diff.unified.isEmpty())
        o.insert(u"diff"_s, diff.unified);
    if (!precondition.isEmpty())
        o.insert(u"precondition"_s, precondition);
    if (!backup.isEmpty())
        o.insert(u"backup"_s, backup);
    return o;
}

QJsonObject Outcome::toJson() const
{
    QJsonArray ds;
    for (const DestinationOutcome& d : destinations)
        ds.append(d.toJson());
    QJsonObject o {
        { u"operation"_s, operation }, { u"ok"_s, ok }, { u"destinations"_s, ds }, { u"auditFailed"_s, auditFailed }
    };
    if (!code.isEmpty())
        o.insert(u"code"_s, code);
    if (!message.isEmpty())
        o.insert(u"message"_s, message);
    return o;
}

// ---- lifecycle ----------------------------------------------------------------------------------------

Rotation::Rotation(Settings settings, QObject* parent) : QObject(parent), m_settings(std::move(settings))
{
    qRegisterMetaType<certrotor::rotation::Outcome>();
    qRegisterMetaType<certrotor::rotation::TargetStatus>();
    m_confirmBackoff.setSingleShot(true);
    if (!m_settings.clock)
        m_settings.clock = &Clock::system();
    if (m_settings.actor.isEmpty())
        m_settings.actor = u"certrotor"_s;
}

Rotation::~Rotation() = default;

qint64 Rotation::nowSecs() const
{
    return m_settings.clock->nowSecs();
}

QDateTime Rotation::nowUtc() const
{
    return QDateTime::currentDateTimeUtc(); // records and state carry wall-clock time; expiry uses the clock
}

QString Rotation::statePath() const
{
    return RotationState::pathFor(m_state.id, m_settings.stateDir);
}

bool Rotation::begin(const QString& operation)
{
    if (m_busy || m_ending) {
        Outcome busy;
        busy.operation = operation;
        busy.code = u"busy"_s;
        busy.message = u"another step of this rotation is still running"_s;
        QTimer::singleShot(0, this, [this, busy] { Q_EMIT finished(busy); });
        return false;
    }
    m_busy = true;
    m_cancelRequested = false;
    m_outcome = Outcome {};
    m_outcome.operation = operation;
    m_outcome.ok = true;
    return true;
}

void Rotation::end()
{
    // finished() comes once every state save made so far is on disk (a caller may read the file, or
    // exit), and on a later turn of the loop, so a caller never gets it from inside its own call.
    m_ending = true;
    if (m_savesInFlight == 0)
        QTimer::singleShot(0, this, [this] { emitFinished(); });
}

void Rotation::emitFinished()
{
    if (!m_ending)
        return;
    m_ending = false;
    m_busy = false;
    // An override reason covers the one operation it was given for, never a later one (a rollback after a
    // failed wave must not silently override the rule that protects the servers that moved).
    m_settings.overrideReason.clear();
    const Outcome o = m_outcome;
    Q_EMIT finished(o);
}

void Rotation::fail(const QString& code, const QString& message)
{
    if (m_outcome.ok || m_outcome.code.isEmpty()) {
        m_outcome.code = code;
        m_outcome.message = message;
    }
    m_outcome.ok = false;
}

void Rotation::runSteps(std::vector<Step> steps, std::function<void()> done)
{
    if (steps.empty())
        return done();
    Step first = std::move(steps.front());
    steps.erase(steps.begin());
    QPointer<Rotation> self(this);
    first([self, rest = std::move(steps), done = std::move(done)](bool goOn) mutable {
        if (!self)
            return;
        if (!goOn)
            return done();
        if (self->m_cancelRequested && !rest.empty()) {
            self->fail(u"cancelled"_s, u"cancelled by the operator; the steps done so far stay done"_s);
            return done();
        }
        self->runSteps(std::move(rest), std::move(done));
    });
}

DestinationOutcome& Rotation::outcomeFor(const QString& destId)
{
    for (DestinationOutcome& o : m_outcome.destinations) {
        if (o.destination == destId)
            return o;
    }
    DestinationOutcome o;
    o.destination = destId;
    if (const DestinationState* d = m_state.destination(destId)) {
        o.wave = d->wave;
        o.waveName = d->waveName;
        o.phase = phaseName(d->phase);
    }
    m_outcome.destinations.append(o);
    return m_outcome.destinations.last();
}

Rotation::Dest* Rotation::dest(const QString& id)
{
    for (Dest& d : m_dests) {
        if (d.destination.id() == id)
            return &d;
    }
    return nullptr;
}

DestinationState& Rotation::dstate(const QString& id)
{
    return *m_state.destination(id);
}

Rotation::Parsed Rotation::parse(const QByteArray& bytes)
{
    Parsed p;
    p.bytes = bytes;
    p.certs = parseBundle(bytes, {}).certificates();
    for (const Certificate& c : std::as_const(p.certs))
        p.shas.insert(c.info().sha256Hex());
    return p;
}

void Rotation::remember(Parsed parsed)
{
    // Keyed by the buffer: the bundles a rotation handles are shared copies of a few buffers (original,
    // overlap, new), and the entry keeps its buffer alive, so a key cannot be reused by other bytes.
    if (m_parsed.size() > 16)
        m_parsed.clear();
    const char* key = parsed.bytes.constData();
    m_parsed.insert(key, std::move(parsed));
}

const Rotation::Parsed* Rotation::known(const QByteArray& bytes) const
{
    auto it = m_parsed.constFind(bytes.constData());
    if (it != m_parsed.constEnd() && it->bytes.size() == bytes.size())
        return &*it;
    // The same bytes read again (a destination re-read at commit): one memcmp, no parse.
    for (const Parsed& p : m_parsed) {
        if (p.bytes.size() == bytes.size() && p.bytes == bytes)
            return &p;
    }
    return nullptr;
}

const Rotation::Parsed& Rotation::parsed(const QByteArray& bytes) const
{
    if (const Parsed* p = known(bytes))
        return *p;
    // Not prepared off the thread (a small bundle, or a path that did not warm it): parse it now.
    auto* self = const_cast<Rotation*>(this);
    self->remember(parse(bytes));
    return *self->m_parsed.constFind(bytes.constData());
}

QList<Certificate> Rotation::certsOf(const QByteArray& bytes) const
{
    return parsed(bytes).certs;
}

QSet<QString> Rotation::shasOf(const QByteArray& bytes) const
{
    return parsed(bytes).shas;
}

QByteArray Rotation::bytesFor(const DestinationState& d, const QString& label) const
{
    if (label == u"original"_s)
        return d.originalBytes;
    if (label == u"overlap"_s)
        return d.overlapBytes;
    return m_state.newBytes;
}

QSet<QString> Rotation::oldOnlyShas(const DestinationState& d) const
{
    QSet<QString> old = shasOf(d.originalBytes);
    return old.subtract(shasOf(m_state.newBytes));
}

QString Rotation::waveLabel(int wave) const
{
    const QString name = wave >= 0 && wave < m_state.waveNames.size() ? m_state.waveNames.at(wave) : QString();
    return name.isEmpty() ? QString::number(wave + 1) : u"%1 (%2)"_s.arg(wave + 1).arg(name);
}

QList<int> Rotation::waves() const
{
    QList<int> out;
    for (const DestinationState& d : m_state.destinations) {
        if (!out.contains(d.wave))
            out << d.wave;
    }
    std::sort(out.begin(), out.end());
    return out;
}

namespace {
/// One writer thread for every rotation's state files: saves land in the order they were made, off the
/// caller's thread (a 10,000-certificate rotation's state is megabytes of JSON, fsync'd).
QThreadPool* statePool()
{
    static QThreadPool* pool = [] {
        auto* p = new QThreadPool;
        p->setMaxThreadCount(1);
        p->setExpiryTimeout(-1);
        return p;
    }();
    return pool;
}
} // namespace

void Rotation::save(std::function<void(bool)> then)
{
    if (m_state.id.isEmpty()) {
        if (then)
            then(true);
        return;
    }
    m_state.updatedAt = nowUtc();
    const RotationState snapshot = m_state; // shares its buffers: cheap
    const QString path = statePath();
    ++m_savesInFlight;
    runThenCallback(
        this, [snapshot, path] { return snapshot.save(path); },
        [this, then](Result<std::monostate> saved) {
            --m_savesInFlight;
            if (!saved.ok()) {
                qCWarning(lcRotation).noquote() << saved.error().text();
                m_lastError = saved.error().text();
                fail(u"io"_s, u"the rotation state could not be saved: "_s + saved.error().text());
            }
            Q_EMIT stateChanged();
            if (then)
                then(saved.ok());
            if (m_savesInFlight == 0 && m_ending)
                emitFinished();
        },
        statePool());
}

void Rotation::waitForSaved()
{
    statePool()->waitForDone();
}

void Rotation::audit(const QString& event, QJsonObject data)
{
    if (!m_settings.audit)
        return;
    data.insert(u"actor"_s, m_settings.actor);
    if (m_settings.drill)
        data.insert(u"drill"_s, true);
    Result<std::monostate> added = m_settings.audit->append(event, data);
    if (!added.ok()) {
        qCWarning(lcRotation).noquote() << "audit:" << added.error().text();
        m_outcome.auditFailed = true;
    }
}

QJsonObject Rotation::base(const QString& destId) const
{
    QJsonObject o { { u"rotationId"_s, m_state.id }, { u"destination"_s, destId }, { u"mode"_s, m_state.mode } };
    if (const DestinationState* d = m_state.destination(destId)) {
        o.insert(u"wave"_s, d->wave);
        if (!d->waveName.isEmpty())
            o.insert(u"waveName"_s, d->waveName);
        o.insert(u"phase"_s, phaseName(d->phase));
    }
    return o;
}

Result<std::monostate> Rotation::prepareDests()
{
    m_dests.clear();
    for (const DestinationState& ds : std::as_const(m_state.destinations)) {
        Result<Destination> d = Destination::parse(ds.id);
        if (!d.ok())
            return d.error();
        Result<std::unique_ptr<Committer>> c = Committer::create(d.value(), m_settings.committer);
        if (!c.ok())
            return c.error();
        c.value()->setParent(this);
        Dest dest;
        dest.destination = d.value();
        dest.committer = std::move(c).value();
        for (const QString& t : ds.targets) {
            Result<ProbeTarget> pt = parseTargetSpec(t);
            if (!pt.ok())
                return pt.error();
            dest.targets << pt.value();
        }
        m_dests.push_back(std::move(dest));
    }
    return std::monostate {};
}

// ---- stage --------------------------------------------------------------------------------------------

void Rotation::stage(Request request)
{
    if (!begin(u"stage"_s))
        return;
    if (std::any_of(m_state.destinations.begin(), m_state.destinations.end(),
                    [](const DestinationState& d) { return d.history.size() > 1 || !d.pending.isEmpty(); })) {
        fail(u"usage"_s,
             u"this rotation (%1) has committed destinations: finish it (retire or roll back) before staging "
             "another one in its place"_s.arg(m_state.id));
        return end();
    }
    m_previews.clear();
    auto stop = [this](const QString& code, const QString& message) {
        unloadAfterFailedStage();
        fail(code, message);
        audit(
            u"rotation-refused"_s,
            QJsonObject { { u"rule"_s, code }, { u"message"_s, message }, { u"candidate"_s, m_state.candidateName } });
        end();
    };
    if (request.destinations.isEmpty())
        return stop(u"usage"_s, u"name at least one destination"_s);

    RotationState st;
    st.mode = modeName(request.mode);
    st.createdAt = nowUtc();
    st.planPath = request.planPath;
    st.waveNames = request.waveNames;
    st.drill = m_settings.drill;
    QStringList ids;
    for (const DestinationSpec& spec : std::as_const(request.destinations)) {
        Result<Destination> d = Destination::parse(spec.spec);
        if (!d.ok())
            return stop(u"usage"_s, d.error().text());
        if (ids.contains(d.value().id()))
            return stop(u"usage"_s, u"%1 is named twice"_s.arg(d.value().id()));
        for (const QString& t : spec.targets) {
            Result<ProbeTarget> pt = parseTargetSpec(t);
            if (!pt.ok())
                return stop(u"usage"_s, u"target %1"_s.arg(pt.error().text()));
        }
        ids << d.value().id();
        DestinationState ds;
        ds.id = d.value().id();
        ds.wave = spec.wave;
        ds.waveName = spec.waveName;
        ds.targets = spec.targets;
        ds.confirmDeadlineMs = spec.confirmDeadlineMs; // -1: the settings of whoever confirms
        st.destinations << ds;
    }
    st.id = RotationState::idFor(ids);
    // The candidate: a file, or a key of a Secret or ConfigMap (read like a destination, never written), or
    // the bytes a watched source delivered.
    m_candidateSource.reset();
    if (!request.candidatePath.isEmpty()) {
        Result<Destination> where = Destination::parse(request.candidatePath);
        if (!where.ok())
            return stop(u"usage"_s, u"the candidate: "_s + where.error().text());
        Result<std::unique_ptr<Committer>> reader = Committer::create(where.value(), m_settings.committer);
        if (!reader.ok())
            return stop(u"usage"_s, u"the candidate: "_s + reader.error().text());
        m_candidateSource = std::move(reader).value();
        m_candidateSource->setParent(nullptr);
        st.candidateName = where.value().id();
    } else {
        st.candidateName = request.candidateName;
    }
    m_state = st;

    // One rotation per destination: an open one that wrote to it (or has a write unsettled) is finished
    // first — every state file is checked, not only the newest, and one that does not load is not guessed at.
    const QList<Result<RotationState>> all = RotationState::loadAll(m_settings.stateDir);
    for (const Result<RotationState>& found : all) {
        if (!found.ok()) {
            if (found.error().where == RotationState::pathFor(st.id, m_settings.stateDir))
                return stop(u"io"_s,
                            u"the state of an earlier rotation over these destinations does not load, so it is "
                            "not overwritten: "_s
                                + found.error().text());
            continue;
        }
        const RotationState& open = found.value();
        if (open.isClosed())
            continue;
        for (const QString& id : std::as_const(ids)) {
            const DestinationState* d = open.destination(id);
            // (A rotation that was only staged wrote nothing: it does not hold the destination.)
            if (d
                && (d->history.size() > 1 || !d->pending.isEmpty()
                    || std::any_of(open.destinations.begin(), open.destinations.end(), [](const DestinationState& o) {
                           return o.history.size() > 1 || !o.pending.isEmpty();
                       })))
                return stop(u"rotation-open"_s,
                            u"a rotation is already open on %1 (rotation %2, phase %3): retire or roll it back first "
                            "(certrotor-cli rotate status)"_s.arg(id, open.id, phaseName(d->phase)));
        }
    }
    if (!request.dryRun) {
        m_lock.unlock(); // a rotation this object held before (staging again)
        Result<FileLock> lock = FileLock::tryLock(RotationState::lockPathFor(st.id, m_settings.stateDir));
        if (!lock.ok())
            return stop(u"locked"_s, u"another process drives this rotation: "_s + lock.error().text());
        m_lock = std::move(lock).value();
        // A closed rotation over the same destinations keeps its file, archived; this one starts afresh.
        const QString previous = RotationState::pathFor(st.id, m_settings.stateDir);
        if (Result<RotationState> was = RotationState::load(previous); was.ok() && was.value().isClosed()) {
            if (Result<std::monostate> archived = RotationState::archive(st.id, m_settings.stateDir); !archived.ok())
                return stop(u"io"_s, archived.error().text());
        }
    }
    if (Result<std::monostate> prepared = prepareDests(); !prepared.ok())
        return stop(prepared.error().code.isEmpty() ? u"usage"_s : prepared.error().code, prepared.error().text());

    // The candidate, read (asynchronously) and parsed off this thread.
    const QString name = st.candidateName;
    struct Loaded {
        QString error;
        QString sha256;
        QList<Certificate> certs;
        Parsed pem; // the candidate as committed (its certificates, PEM)
    };
    QPointer<Rotation> self(this);
    auto parseCandidate = [self, name, request, stop](QByteArray given) {
        if (!self)
            return;
        runThenCallback(
            self.data(),
            [given, name]() -> Loaded {
                Loaded l;
                const QByteArray bytes = given;
                l.sha256 = sha256Hex(bytes);
                const Bundle b = parseBundle(bytes, name);
                Result<QList<Certificate>> accepted = acceptCandidate(b);
                if (!accepted.ok()) {
                    l.error = refusalText(b, accepted.error());
                    return l;
                }
                l.certs = accepted.value();
                l.pem.bytes = pemOf(l.certs);
                l.pem.certs = l.certs;
                for (const Certificate& c : std::as_const(l.certs))
                    l.pem.shas.insert(c.info().sha256Hex());
                return l;
            },
            [self, request, stop](Loaded loaded) {
                if (!self)
                    return;
                Rotation* r = self;
                if (!loaded.error.isEmpty())
                    return stop(u"candidate"_s, loaded.error);
                if (!request.expectSha256.isEmpty()
                    && loaded.sha256.compare(request.expectSha256.trimmed(), Qt::CaseInsensitive) != 0)
                    return stop(u"sha256-mismatch"_s,
                                u"the candidate's SHA-256 is %1, not %2 as expected (--expect-sha256): it is not the "
                                "bundle the change ticket names"_s.arg(loaded.sha256, request.expectSha256.trimmed()));
                r->m_candidate = loaded.certs;
                r->m_state.candidateSha256 = loaded.sha256;
                r->m_state.newBytes = loaded.pem.bytes;
                r->remember(loaded.pem);

                std::vector<Step> steps;
                for (const DestinationState& ds : std::as_const(r->m_state.destinations)) {
                    const QString id = ds.id;
                    steps.push_back([r, id, request](std::function<void(bool)> next) {
                        Dest* d = r->dest(id);
                        d->committer->read([r, id, request, next](Result<DestinationContent> content) {
                            DestinationOutcome& out = r->outcomeFor(id);
                            if (!content.ok()) {
                                out.code = content.error().code;
                                out.message = content.error().text();
                                r->fail(content.error().code.isEmpty() ? u"io"_s : content.error().code, out.message);
                                return next(false);
                            }
                            if (!content.value().exists) {
                                out.code = commitcode::unusable;
                                out.message
                                    = u"%1 does not exist: a rotation updates an existing trust store (create it, even "
                                      "empty, first)"_s.arg(id);
                                r->fail(commitcode::unusable, out.message);
                                return next(false);
                            }
                            DestinationState& ds = r->dstate(id);
                            ds.originalBytes = content.value().bytes;
                            ds.history = { CommittedVersion { u"original"_s,
                                                              content.value().sha256,
                                                              content.value().version,
                                                              content.value().exists,
                                                              {},
                                                              r->nowUtc() } };
                            const QList<Certificate> cand = r->m_candidate;
                            const Mode mode = request.mode;
                            const qint64 now = r->nowSecs();
                            const int days = r->m_settings.expiryWarningDays;
                            const QByteArray before = content.value().bytes;
                            runThenCallback(
                                r,
                                [id, before, cand, mode, now, days] {
                                    return computePreview(id, before, cand, mode, now, days);
                                },
                                [r, id, request, next, before, mode](PreviewWork w) {
                                    DestinationOutcome& out = r->outcomeFor(id);
                                    if (!w.error.isEmpty()) {
                                        out.code = commitcode::unusable;
                                        out.message = w.error;
                                        r->fail(commitcode::unusable, id + u": "_s + w.error);
                                        return next(false);
                                    }
                                    DestinationState& ds = r->dstate(id);
                                    ds.overlapBytes = w.overlapBytes;
                                    r->remember(w.before);
                                    r->remember(w.overlap);
                                    const QString code = out.code, message = out.message;
                                    const QList<TargetStatus> keepTargets = out.targets;
                                    out = w.outcome;
                                    out.wave = ds.wave;
                                    out.waveName = ds.waveName;
                                    out.phase = phaseName(Phase::Staged);
                                    out.precondition = ds.history.first().version;
                                    out.notes << r->dest(id)->committer->consumerNotes();
                                    const QByteArray proposed
                                        = mode == Mode::Overlap ? ds.overlapBytes : r->m_state.newBytes;
                                    r->gate(id, before, proposed, mode == Mode::Replace, u"stage"_s,
                                            [r, id, next](GateResult g) {
                                                DestinationOutcome& o = r->outcomeFor(id);
                                                o.violations = g.violations;
                                                o.verdict = g.verdict.text;
                                                o.targets.clear();
                                                const DestinationState& ds2 = r->dstate(id);
                                                const QSet<QString> oldShas = r->shasOf(ds2.originalBytes);
                                                const QSet<QString> newShas = r->shasOf(r->m_state.newBytes);
                                                for (const ProbeResult& p : g.proposed)
                                                    o.targets << targetStatusOf(p, oldShas, newShas);
                                                next(true);
                                            });
                                },
                                Source::readPool());
                        });
                    });
                }
                r->runSteps(std::move(steps), [r, request] {
                    r->m_previews = r->m_outcome.destinations;
                    if (!r->m_outcome.ok) {
                        r->audit(u"rotation-refused"_s,
                                 QJsonObject { { u"rotationId"_s, r->m_state.id },
                                               { u"rule"_s, r->m_outcome.code },
                                               { u"message"_s, r->m_outcome.message },
                                               { u"candidateSha256"_s, r->m_state.candidateSha256 } });
                        r->unloadAfterFailedStage();
                        return r->end();
                    }
                    for (const DestinationOutcome& o : std::as_const(r->m_outcome.destinations)) {
                        QJsonObject data = r->base(o.destination);
                        data.insert(u"candidate"_s, r->m_state.candidateName);
                        data.insert(u"candidateSha256"_s, r->m_state.candidateSha256);
                        data.insert(u"precondition"_s, o.precondition);
                        data.insert(u"beforeSha256"_s, o.beforeSha256);
                        data.insert(u"afterSha256"_s, o.afterSha256);
                        data.insert(u"fingerprintsBefore"_s,
                                    events::fingerprints(r->certsOf(r->dstate(o.destination).originalBytes)));
                        data.insert(u"fingerprintsAfter"_s, events::fingerprints(r->m_candidate));
                        data.insert(u"verdict"_s, o.verdict);
                        data.insert(u"violations"_s, events::violations(o.violations));
                        r->audit(request.dryRun ? u"rotation-dry-run"_s : u"rotation-staged"_s, data);
                    }
                    if (!request.dryRun)
                        r->save();
                    else
                        r->m_lock.unlock();
                    r->end();
                });
            },
            Source::readPool());
    };
    if (!m_candidateSource)
        return parseCandidate(request.candidateBytes);
    m_candidateSource->read([self, name, parseCandidate, stop](Result<DestinationContent> read) {
        if (!self)
            return;
        if (!read.ok())
            return stop(u"candidate"_s, u"cannot read the candidate: "_s + read.error().text());
        if (!read.value().exists)
            return stop(u"candidate"_s, u"the candidate %1 does not exist"_s.arg(name));
        parseCandidate(read.value().bytes);
    });
}

// ---- the gate -----------------------------------------------------------------------------------------

void Rotation::gate(const QString& destId, const QByteArray& currentBytes, const QByteArray& proposedBytes,
                    bool newOnly, const QString& phase, std::function<void(GateResult)> done)
{
    // Parsing and lint of both bundles run on a worker: a 10,000-certificate bundle takes a second.
    struct Prepared {
        Parsed current, proposed;
        QList<Finding> findings;
    };
    const DestinationState& ds = dstate(destId);
    const QSet<QString> oldShas = oldOnlyShas(ds); // cached: prepared at staging
    const QSet<QString> newShas = shasOf(m_state.newBytes);
    const qint64 now = nowSecs();
    const int warningDays = m_settings.expiryWarningDays;
    // Bundles the rotation already parsed are taken from its cache (their certificates then also die
    // with it, not on this thread when the gate is done).
    const Parsed* knownCurrent = known(currentBytes);
    const Parsed* knownProposed = known(proposedBytes);
    Prepared given;
    if (knownCurrent)
        given.current = *knownCurrent;
    if (knownProposed)
        given.proposed = *knownProposed;
    QPointer<Rotation> self(this);
    runThenCallback(
        this,
        [currentBytes, proposedBytes, now, warningDays, given, haveCurrent = knownCurrent != nullptr,
         haveProposed = knownProposed != nullptr] {
            Prepared p = given;
            if (!haveCurrent)
                p.current = parse(currentBytes);
            if (!haveProposed)
                p.proposed = parse(proposedBytes);
            Bundle proposedBundle;
            for (const Certificate& c : std::as_const(p.proposed.certs))
                proposedBundle.entries.append(BundleEntry { c, {} });
            p.findings = lintBundle(proposedBundle, LintOptions { now, warningDays });
            return p;
        },
        [self, destId, newOnly, phase, oldShas, newShas, done](Prepared p) {
            if (!self)
                return;
            self->remember(p.current);
            self->remember(p.proposed);
            self->gateWith(destId, p.current.certs, p.proposed.certs, p.proposed.shas, oldShas, newShas, p.findings,
                           newOnly, phase, done);
        },
        Source::readPool());
}

void Rotation::gateWith(const QString& destId, const QList<Certificate>& currentCerts,
                        const QList<Certificate>& proposedCerts, const QSet<QString>& proposedShas,
                        const QSet<QString>& oldShas, const QSet<QString>& newShas, const QList<Finding>& findings,
                        bool newOnly, const QString& phase, std::function<void(GateResult)> done)
{
    Dest* d = dest(destId);
    const QList<ProbeTarget> targets = d->targets;
    GateInput in;
    in.destination = destId;
    in.newOnly = newOnly;
    for (const ProbeTarget& t : targets)
        in.targets << t.address();
    in.proposedShas = proposedShas;
    in.oldShas = oldShas;
    in.findings = findings;

    if (targets.isEmpty()) {
        GateResult g;
        g.oldShas = shasOf(dstate(destId).originalBytes);
        g.newShas = newShas;
        g.violations = evaluateGate(in);
        g.verdict.text = u"no probe targets"_s;
        return done(g);
    }
    QList<PlanBundle> bundles;
    if (!currentCerts.isEmpty())
        bundles << PlanBundle { u"current"_s, PlanBundle::Role::Current, currentCerts };
    bundles << PlanBundle { u"proposed"_s, PlanBundle::Role::Candidate, proposedCerts };
    auto* plan = new ProbePlan(targets, bundles, m_settings.probe, this);
    m_activePlan = plan;
    Q_EMIT progress(destId, u"probing %1 target(s) with the bundle now and the bundle to commit"_s.arg(targets.size()));
    QPointer<Rotation> self(this);
    connect(plan, &ProbePlan::finished, this, [self, plan, in, destId, phase, bundles, done]() mutable {
        plan->deleteLater();
        if (!self)
            return;
        self->m_activePlan = nullptr;
        GateResult g;
        g.oldShas = self->shasOf(self->dstate(destId).originalBytes);
        g.newShas = self->shasOf(self->m_state.newBytes);
        for (const ProbeResult& r : plan->results()) {
            if (r.probeId.isEmpty())
                continue;
            (r.bundleName == u"current"_s ? g.current : g.proposed) << r;
            self->audit(audit::probe(r));
        }
        in.current = g.current;
        in.proposed = g.proposed;
        g.violations = evaluateGate(in);
        g.verdict = plan->verdict();
        QJsonObject data = self->base(destId);
        data.insert(u"gate"_s, phase);
        data.insert(u"bundles"_s, audit::bundlesJson(bundles));
        data.insert(u"probeIds"_s, audit::probeIdsJson(plan->results()));
        data.insert(u"verdict"_s, json::planVerdict(g.verdict));
        data.insert(u"violations"_s, events::violations(g.violations));
        self->audit(u"rotation-probed"_s, data);
        done(g);
    });
    plan->start();
}

bool Rotation::judgeViolations(DestinationOutcome& out, const GateResult& g, const QString& phase)
{
    out.violations = g.violations;
    out.verdict = g.verdict.text;
    if (g.violations.isEmpty())
        return true;
    const QString why = policy::checkOverrideReason(m_settings.overrideReason);
    if (m_settings.overrideReason.isEmpty() || !why.isEmpty()) {
        QStringList messages;
        for (const Violation& v : g.violations) {
            messages << v.message;
            QJsonObject data = base(out.destination);
            data.insert(u"step"_s, phase);
            data.insert(u"rule"_s, v.rule);
            data.insert(u"message"_s, v.message);
            data.insert(u"targets"_s, QJsonArray::fromStringList(v.targets));
            audit(u"rotation-refused"_s, data);
        }
        out.code = u"policy"_s;
        out.message = messages.join(u'\n');
        if (!m_settings.overrideReason.isEmpty())
            out.message += u"\n(override refused: "_s + why + u')';
        fail(u"policy"_s, out.destination + u": "_s + out.message);
        return false;
    }
    out.overridden = true;
    for (const Violation& v : g.violations) {
        QJsonObject data = base(out.destination);
        data.insert(u"step"_s, phase);
        data.insert(u"rule"_s, v.rule);
        data.insert(u"message"_s, v.message);
        data.insert(u"reason"_s, m_settings.overrideReason.simplified());
        audit(u"rotation-override"_s, data);
    }
    return true;
}

// ---- commits ------------------------------------------------------------------------------------------

void Rotation::recheckCandidate(std::function<void(bool)> done)
{
    if (!m_candidateSource)
        return done(true);
    const QString name = m_state.candidateName;
    const QString staged = m_state.candidateSha256;
    QPointer<Rotation> self(this);
    m_candidateSource->read([self, staged, name, done](Result<DestinationContent> read) {
        if (!self)
            return;
        const QString now = read.ok() && read.value().exists ? read.value().sha256 : QString();
        if (now == staged)
            return done(true);
        const QString msg = now.isEmpty()
            ? u"the candidate %1 can no longer be read since it was staged; nothing was written"_s.arg(name)
            : u"the candidate %1 changed since it was staged (SHA-256 %2…, staged %3…); nothing was written: "
              "stage it again"_s.arg(name, now.left(16), staged.left(16));
        self->fail(u"conflict"_s, msg);
        self->audit(u"rotation-conflict"_s,
                    QJsonObject { { u"rotationId"_s, self->m_state.id },
                                  { u"what"_s, u"candidate"_s },
                                  { u"candidate"_s, name },
                                  { u"stagedSha256"_s, staged },
                                  { u"foundSha256"_s, now },
                                  { u"message"_s, msg } });
        done(false);
    });
}

void Rotation::commitBytes(const QString& destId, const QString& label, const QByteArray& bytes, Phase after,
                           const QString& event, std::function<void(bool)> done)
{
    DestinationState& ds = dstate(destId);
    const CommittedVersion before = ds.current();
    // The intent first: after a crash, the destination's content tells whether the write happened.
    ds.pending = QJsonObject { { u"label"_s, label },
                               { u"sha256"_s, sha256Hex(bytes) },
                               { u"at"_s, nowUtc().toString(Qt::ISODateWithMs) },
                               { u"phase"_s, phaseName(after) } };
    QPointer<Rotation> self(this);
    QPointer<Committer> committer = dest(destId)->committer.get();
    // The write starts only once the intent is on disk.
    save([self, destId, label, bytes, after, event, before, committer, done](bool saved) {
        if (!self || !committer)
            return;
        Rotation* r = self;
        if (!saved || r->m_cancelRequested) {
            r->dstate(destId).pending = {};
            if (saved)
                r->fail(u"cancelled"_s,
                        u"cancelled by the operator before %1 was written; nothing was written"_s.arg(destId));
            else
                r->fail(u"io"_s, u"the rotation state could not be saved, so %1 was not written"_s.arg(destId));
            r->save();
            return done(false);
        }
        Q_EMIT r->progress(destId, u"writing the %1 bundle"_s.arg(label));
        if (!self || !committer)
            return;
        committer->write(
            bytes, before.version,
            [self, destId, label, bytes, after, event, before, committer, done](Result<DestinationContent> written) {
                if (!self)
                    return;
                Rotation* r = self;
                DestinationOutcome& out = r->outcomeFor(destId);
                out.precondition = before.version;
                out.beforeSha256 = before.sha256;
                out.afterSha256 = sha256Hex(bytes);
                if (!written.ok()) {
                    const QString code = written.error().code.isEmpty() ? u"io"_s : written.error().code;
                    const bool conflict = code == commitcode::conflict;
                    out.code = code;
                    out.message = written.error().text();
                    QJsonObject data = r->base(destId);
                    data.insert(u"label"_s, label);
                    data.insert(u"precondition"_s, before.version);
                    data.insert(u"beforeSha256"_s, before.sha256);
                    data.insert(u"message"_s, out.message);
                    r->audit(conflict ? u"rotation-conflict"_s : u"rotation-commit-failed"_s, data);
                    r->fail(code, out.message);
                    DestinationState& ds = r->dstate(destId);
                    ds.lastError = out.message;
                    if (conflict || code == commitcode::unusable) {
                        // Refused before anything was written.
                        ds.pending = {};
                        r->save();
                        return done(false);
                    }
                    // The store may have changed all the same (renamed but the directory not synced, applied but
                    // the answer lost, read back different): what it holds now decides, and is recorded.
                    return r->settleOne(destId, [done](bool) { done(false); });
                }
                const CommittedVersion v { label,
                                           written.value().sha256,
                                           written.value().version,
                                           true,
                                           committer ? committer->lastBackup() : QString(),
                                           r->nowUtc() };
                QJsonObject data = r->base(destId);
                data.insert(u"label"_s, label);
                data.insert(u"precondition"_s, before.version);
                data.insert(u"beforeSha256"_s, before.sha256);
                data.insert(u"afterSha256"_s, v.sha256);
                data.insert(u"version"_s, v.version);
                data.insert(u"fingerprintsBefore"_s,
                            events::fingerprints(r->certsOf(r->bytesFor(r->dstate(destId), before.label))));
                data.insert(u"fingerprintsAfter"_s, events::fingerprints(r->certsOf(bytes)));
                if (!v.backup.isEmpty())
                    data.insert(u"backup"_s, v.backup);
                data.insert(u"result"_s, u"written, read back and compared"_s);
                DestinationState& ds = r->dstate(destId);
                ds.history << v;
                ds.pending = {};
                ds.phase = after;
                ds.confirmed = false;
                ds.lastError.clear();
                out.phase = phaseName(after);
                out.backup = v.backup;
                r->save();
                r->audit(event, data);
                done(true);
            });
    });
}

void Rotation::confirmDest(const QString& destId, const QString& reason, std::function<void(bool)> done)
{
    Dest* d = dest(destId);
    DestinationState& ds = dstate(destId);
    DestinationOutcome& out = outcomeFor(destId);
    const QList<Certificate> bundle = certsOf(bytesFor(ds, ds.current().label));
    const QSet<QString> oldShas = shasOf(ds.originalBytes), newShas = shasOf(m_state.newBytes);
    struct Job {
        QList<ProbeTarget> pending;
        QHash<QString, TargetStatus> statuses;
        QElapsedTimer clock;
        int backoffMs = 0;
        int deadlineMs = 0;
        int round = 0;
    };
    auto job = std::make_shared<Job>();
    job->pending = d->targets;
    job->clock.start();
    job->backoffMs = m_settings.confirmInitialBackoffMs;
    job->deadlineMs = ds.confirmDeadlineMs > 0 ? ds.confirmDeadlineMs : m_settings.confirmDeadlineMs;
    if (job->pending.isEmpty()) {
        out.notes << u"no targets to confirm %1 with: nothing proves that consumers took the change"_s.arg(destId);
        ds.confirmed = false;
        save();
        return done(true);
    }
    QPointer<Rotation> self(this);
    auto round = std::make_shared<std::function<void()>>();
    *round = [self, job, round, destId, bundle, oldShas, newShas, reason, done]() {
        if (!self)
            return;
        Rotation* r = self;
        ++job->round;
        auto* plan = new ProbePlan(job->pending, { PlanBundle { u"committed"_s, PlanBundle::Role::Candidate, bundle } },
                                   r->m_settings.probe, r);
        r->m_activePlan = plan;
        QObject::connect(
            plan, &ProbePlan::finished, r, [self, plan, job, round, destId, oldShas, newShas, reason, done]() {
                plan->deleteLater();
                if (!self)
                    return;
                Rotation* r = self;
                r->m_activePlan = nullptr;
                const bool cancelled = r->m_cancelRequested;
                const double elapsed = double(job->clock.nsecsElapsed()) / 1e6;
                QList<ProbeTarget> still;
                for (const ProbeResult& p : plan->results()) {
                    if (p.probeId.isEmpty())
                        continue;
                    if (p.cancelled) { // the status of the last real probe stands
                        still << p.target;
                        continue;
                    }
                    TargetStatus t = targetStatusOf(p, oldShas, newShas);
                    t.attempts = job->round;
                    if (p.ok) {
                        t.timeToTrustMs = elapsed;
                        r->audit(audit::probe(p));
                    } else {
                        still << p.target;
                        if (elapsed + job->backoffMs >= job->deadlineMs)
                            r->audit(audit::probe(p)); // the last failure is kept
                    }
                    job->statuses.insert(t.target, t);
                    Q_EMIT r->targetUpdated(destId, t);
                }
                job->pending = still;
                const bool timeUp = !still.isEmpty() && (cancelled || elapsed + job->backoffMs >= job->deadlineMs);
                if (!still.isEmpty() && !timeUp) {
                    Q_EMIT r->progress(destId,
                                       u"%1 target(s) do not verify yet; probing again in %2 ms"_s.arg(still.size())
                                           .arg(job->backoffMs));
                    QObject::disconnect(&r->m_confirmBackoff, &QTimer::timeout, nullptr, nullptr); // the last round's
                    r->m_confirmBackoff.callOnTimeout(r, [round] { (*round)(); });
                    r->m_confirmBackoff.start(job->backoffMs);
                    job->backoffMs = std::min(job->backoffMs * 2, r->m_settings.confirmMaxBackoffMs);
                    return;
                }
                DestinationState& ds = r->dstate(destId);
                DestinationOutcome& out = r->outcomeFor(destId);
                ds.targetStatus.clear();
                for (const ProbeTarget& t : r->dest(destId)->targets)
                    ds.targetStatus << job->statuses.value(t.address());
                out.targets = ds.targetStatus;
                QJsonArray targets;
                for (const TargetStatus& t : std::as_const(ds.targetStatus))
                    targets.append(t.toJson());
                QJsonObject data = r->base(destId);
                data.insert(u"after"_s, reason);
                data.insert(u"sha256"_s, ds.current().sha256);
                data.insert(u"targets"_s, targets);
                data.insert(u"elapsedMs"_s, qRound64(elapsed));
                if (still.isEmpty()) {
                    ds.confirmed = true;
                    ds.lastVerdict = u"every target verifies with the committed bundle"_s;
                    r->save();
                    r->audit(u"rotation-confirmed"_s, data);
                    // Tell (and cap the run loop) on the last round only: the callbacks may retire `round`.
                    QTimer::singleShot(0, r, [round] { *round = nullptr; });
                    return done(true);
                }
                QStringList names;
                for (const ProbeTarget& t : still)
                    names << t.address() + u" ("_s + job->statuses.value(t.address()).error + u')';
                ds.confirmed = false;
                ds.lastVerdict = cancelled
                    ? u"confirmation cancelled after %1 s; not confirmed yet: %2"_s.arg(elapsed / 1000.0, 0, 'f', 1)
                          .arg(names.join(u", "_s))
                    : u"not confirmed within %1 s: %2"_s.arg(job->deadlineMs / 1000.0).arg(names.join(u", "_s));
                out.code = cancelled ? u"cancelled"_s : u"confirm-failed"_s;
                out.message = ds.lastVerdict;
                data.insert(u"message"_s, out.message);
                r->save();
                r->audit(u"rotation-confirm-failed"_s, data);
                r->fail(out.code, destId + u": "_s + ds.lastVerdict);
                QTimer::singleShot(0, r, [round] { *round = nullptr; });
                done(false);
            });
        if (r->m_cancelRequested)
            return plan->cancel(); // ends the confirmation with the statuses probed so far
        plan->start();
    };
    Q_EMIT progress(destId, u"confirming: probing every target with fresh connections until each verifies"_s);
    (*round)();
}

void Rotation::gatedCommit(const QString& id, GatedCommit c, std::function<void(bool)> next)
{
    // The gate judges the destination as it is now (read again: someone may have changed it since the
    // state was recorded, which is a conflict) against what the commit writes.
    dest(id)->committer->read([this, id, c, next](Result<DestinationContent> now) {
        DestinationOutcome& out = outcomeFor(id);
        const DestinationState& d = dstate(id);
        if (!now.ok()) {
            out.code = now.error().code.isEmpty() ? u"io"_s : now.error().code;
            out.message = now.error().text();
            fail(out.code, out.message);
            return next(false);
        }
        if (now.value().version != d.current().version) {
            out.code = u"conflict"_s;
            out.message = u"%1 was changed by someone else since %2 (now %3, expected %4); nothing was written"_s.arg(
                id, d.history.size() > 1 ? u"the last commit"_s : u"it was staged"_s, now.value().version.left(16),
                d.current().version.left(16));
            QJsonObject data = base(id);
            data.insert(u"what"_s, u"destination"_s);
            data.insert(u"step"_s, c.step);
            data.insert(u"precondition"_s, d.current().version);
            data.insert(u"found"_s, now.value().version);
            data.insert(u"message"_s, out.message);
            audit(u"rotation-conflict"_s, data);
            fail(u"conflict"_s, out.message);
            return next(false);
        }
        gate(id, now.value().bytes, c.bytes, c.newOnly, c.step, [this, id, c, next](GateResult g) {
            DestinationOutcome& out = outcomeFor(id);
            out.targets.clear();
            for (const ProbeResult& p : std::as_const(g.current))
                out.targets << targetStatusOf(p, g.oldShas, g.newShas);
            if (m_cancelRequested) {
                fail(u"cancelled"_s, u"cancelled by the operator before %1 was written; nothing was written"_s.arg(id));
                return next(false);
            }
            if (c.onlyAnchorRules) {
                QList<Violation> kept;
                for (const Violation& v : std::as_const(g.violations)) {
                    if (v.rule == policy::removesAnchor || v.rule == policy::needsOldCa)
                        kept << v;
                }
                g.violations = kept;
            }
            if (!judgeViolations(out, g, c.step))
                return next(false);
            commitBytes(id, c.label, c.bytes, c.after, c.event, [this, id, c, next](bool ok) {
                if (!ok)
                    return next(false);
                confirmDest(id, c.confirmReason, next);
            });
        });
    });
}

bool Rotation::beginOn(const QString& operation)
{
    if (!begin(operation))
        return false;
    if (isLoaded() && m_lock.isLocked())
        return true;
    fail(u"usage"_s,
         isLoaded() ? u"nothing is staged to act on (a dry run keeps nothing: stage it without --dry-run)"_s
                    : u"no rotation is loaded (stage one, or resume it)"_s);
    end();
    return false;
}

QStringList Rotation::idsOrAll(const QStringList& ids) const
{
    if (!ids.isEmpty())
        return ids;
    QStringList all;
    for (const DestinationState& d : m_state.destinations)
        all << d.id;
    return all;
}

bool Rotation::isPartOf(const QString& id)
{
    if (m_state.destination(id) && dest(id))
        return true;
    fail(u"usage"_s, u"%1 is not part of rotation %2"_s.arg(id, m_state.id));
    return false;
}

bool Rotation::requirePhase(const QString& id, bool ok, const QString& why)
{
    if (ok)
        return true;
    DestinationOutcome& out = outcomeFor(id);
    out.code = u"phase"_s;
    out.message = why;
    fail(u"phase"_s, why);
    return false;
}

void Rotation::commitWave(int wave)
{
    if (!beginOn(u"commit"_s))
        return;
    const bool overlap = m_state.mode == u"overlap"_s;
    // Wave N+1 starts only when every destination of the waves before it is committed and confirmed.
    for (const DestinationState& ds : std::as_const(m_state.destinations)) {
        if (ds.wave < wave && (ds.history.size() < 2 || ds.phase == Phase::RolledBack || !ds.confirmed)) {
            fail(u"phase"_s,
                 u"wave %1 cannot start: %2 (wave %3) is not committed and confirmed yet (%4)"_s.arg(
                     waveLabel(wave), ds.id, waveLabel(ds.wave),
                     ds.confirmed ? phaseName(ds.phase) : u"not confirmed"_s));
            return end();
        }
    }
    if (std::none_of(m_state.destinations.begin(), m_state.destinations.end(),
                     [wave](const DestinationState& d) { return d.wave == wave; })) {
        fail(u"usage"_s, u"rotation %1 has no wave %2"_s.arg(m_state.id).arg(wave + 1));
        return end();
    }
    std::vector<Step> steps;
    steps.push_back([this](std::function<void(bool)> next) { recheckCandidate(next); });
    for (const DestinationState& ds : std::as_const(m_state.destinations)) {
        if (ds.wave != wave)
            continue;
        const QString id = ds.id;
        steps.push_back([this, id, overlap](std::function<void(bool)> next) {
            const DestinationState& d = dstate(id);
            if (!requirePhase(id, d.phase == Phase::Staged || d.phase == Phase::RolledBack,
                              u"%1 is in phase %2, not staged"_s.arg(id, phaseName(d.phase))))
                return next(false);
            gatedCommit(id,
                        overlap ? GatedCommit { u"overlap"_s, u"overlap"_s, d.overlapBytes, Phase::Overlap,
                                                u"rotation-committed"_s, u"commit"_s, false, false }
                                : GatedCommit { u"replace"_s, u"new"_s, m_state.newBytes, Phase::Replaced,
                                                u"rotation-committed"_s, u"commit"_s, true, false },
                        next);
        });
    }
    runSteps(std::move(steps), [this] { end(); });
}

void Rotation::retire(const QStringList& destinationIds, const QStringList& targets)
{
    if (!beginOn(u"retire"_s))
        return;
    const QStringList ids = idsOrAll(destinationIds);
    if (!targets.isEmpty()) {
        QList<ProbeTarget> parsed;
        for (const QString& t : targets) {
            Result<ProbeTarget> pt = parseTargetSpec(t);
            if (!pt.ok()) {
                fail(u"usage"_s, pt.error().text());
                return end();
            }
            parsed << pt.value();
        }
        // Targets given now are added: one left out may be exactly the one that still needs the old CA.
        for (const QString& id : ids) {
            if (Dest* d = dest(id)) {
                for (qsizetype i = 0; i < parsed.size(); ++i) {
                    const bool known = std::any_of(d->targets.begin(), d->targets.end(), [&](const ProbeTarget& t) {
                        return t.address() == parsed.at(i).address();
                    });
                    if (!known) {
                        d->targets << parsed.at(i);
                        dstate(id).targets << targets.at(i);
                    }
                }
            }
        }
    }
    std::vector<Step> steps;
    for (const QString& id : ids) {
        steps.push_back([this, id](std::function<void(bool)> next) {
            if (!isPartOf(id))
                return next(false);
            const DestinationState& d = dstate(id);
            if (!requirePhase(id, d.phase == Phase::Overlap,
                              u"%1 is in phase %2: only an overlap can be retired"_s.arg(id, phaseName(d.phase))))
                return next(false);
            gatedCommit(id,
                        GatedCommit { u"retire"_s, u"new"_s, m_state.newBytes, Phase::Retired, u"rotation-retired"_s,
                                      u"retire"_s, true, false },
                        next);
        });
    }
    runSteps(std::move(steps), [this] { end(); });
}

void Rotation::rollback(const QStringList& destinationIds)
{
    if (!beginOn(u"rollback"_s))
        return;
    QStringList ids = destinationIds;
    if (ids.isEmpty()) {
        // Every destination that has something to roll back, latest wave first.
        QList<DestinationState> sorted = m_state.destinations;
        std::stable_sort(sorted.begin(), sorted.end(),
                         [](const DestinationState& a, const DestinationState& b) { return a.wave > b.wave; });
        for (const DestinationState& d : std::as_const(sorted)) {
            if (d.history.size() > 1 && d.phase != Phase::RolledBack)
                ids << d.id;
        }
        if (ids.isEmpty()) {
            fail(u"phase"_s, u"nothing of rotation %1 is committed: there is nothing to roll back"_s.arg(m_state.id));
            return end();
        }
    }
    std::vector<Step> steps;
    for (const QString& id : std::as_const(ids)) {
        steps.push_back([this, id](std::function<void(bool)> next) {
            if (!isPartOf(id))
                return next(false);
            const DestinationState& d = dstate(id);
            if (!requirePhase(id, d.phase != Phase::Staged && d.phase != Phase::RolledBack,
                              u"%1 is %2: there is nothing to roll back"_s.arg(id, phaseName(d.phase))))
                return next(false);
            // One step back: after retire to the overlap, else (overlap, replace) to the original. A rollback is
            // a commit like any other, gated so that it never drops a CA that anchors a target now (after the
            // servers moved to the new CA, rolling the overlap back would cut them off); a target that fails
            // with what is there now is what a rollback is for, so only the anchor rules block it.
            const bool toOverlap = d.phase == Phase::Retired;
            gatedCommit(id,
                        GatedCommit { u"rollback"_s, toOverlap ? u"overlap"_s : u"original"_s,
                                      toOverlap ? d.overlapBytes : d.originalBytes,
                                      toOverlap ? Phase::Overlap : Phase::RolledBack, u"rotation-rolled-back"_s,
                                      u"rollback"_s, false, true },
                        next);
        });
    }
    runSteps(std::move(steps), [this] { end(); });
}

void Rotation::confirm(const QStringList& destinationIds)
{
    if (!beginOn(u"confirm"_s))
        return;
    std::vector<Step> steps;
    for (const QString& id : idsOrAll(destinationIds)) {
        steps.push_back([this, id](std::function<void(bool)> next) {
            if (!isPartOf(id))
                return next(false);
            outcomeFor(id);
            confirmDest(id, u"check"_s, next);
        });
    }
    runSteps(std::move(steps), [this] { end(); });
}

void Rotation::cancel()
{
    if (!m_busy)
        return;
    m_cancelRequested = true;
    // A confirmation ends at once: the round in flight is cancelled, or a backoff wait is cut short. A write
    // in flight is never cut: it finishes (or fails) whole, and no step after it starts.
    if (m_activePlan)
        m_activePlan->cancel();
    else if (m_confirmBackoff.isActive())
        m_confirmBackoff.start(0);
}

void Rotation::unloadAfterFailedStage()
{
    // Nothing was staged: no lock, no state. The committers may be inside their own callbacks: they go later.
    m_lock.unlock();
    auto doomed = std::make_shared<std::vector<Dest>>(std::move(m_dests));
    m_dests.clear();
    QTimer::singleShot(0, this, [doomed] {});
    m_state = RotationState {};
}

bool Rotation::discard()
{
    if (isBusy())
        return false;
    const bool committed
        = std::any_of(m_state.destinations.begin(), m_state.destinations.end(),
                      [](const DestinationState& d) { return d.history.size() > 1 || !d.pending.isEmpty(); });
    if (isLoaded() && !committed) {
        QFile::remove(statePath());
        audit(u"rotation-discarded"_s, QJsonObject { { u"rotationId"_s, m_state.id } });
    }
    m_lock.unlock();
    m_state = RotationState {};
    m_dests.clear();
    m_previews.clear();
    return true;
}

// ---- resume -------------------------------------------------------------------------------------------

Result<std::monostate> Rotation::resume(const QString& destinationOrRotationId)
{
    if (isBusy())
        return Error { u"another step of this rotation is still running"_s, {}, u"busy"_s };
    Result<RotationState> found = Error { {}, {} };
    const QString asPath = RotationState::pathFor(destinationOrRotationId, m_settings.stateDir);
    if (QFile::exists(asPath)) {
        found = RotationState::load(asPath);
    } else {
        Result<Destination> d = Destination::parse(destinationOrRotationId);
        if (!d.ok())
            return d.error();
        found = RotationState::findLatest(d.value().id(), m_settings.stateDir);
    }
    if (!found.ok())
        return found.error();
    return resume(Loaded { std::move(found).value(), {} });
}

QList<Result<Rotation::Loaded>> Rotation::loadOpen(const QString& dir)
{
    QList<Result<Loaded>> out;
    for (Result<RotationState>& state : RotationState::loadAll(dir)) {
        if (!state.ok()) {
            out << state.error();
            continue;
        }
        if (state.value().isClosed())
            continue;
        Loaded loaded { std::move(state).value(), {} };
        QSet<const char*> seen; // the bundles are shared copies of a few buffers: parse each once
        const auto add = [&](const QByteArray& bytes) {
            if (!bytes.isEmpty() && !seen.contains(bytes.constData())) {
                seen.insert(bytes.constData());
                loaded.parsed << parse(bytes);
            }
        };
        add(loaded.state.newBytes);
        for (const DestinationState& d : std::as_const(loaded.state.destinations)) {
            add(d.originalBytes);
            add(d.overlapBytes);
        }
        out << std::move(loaded);
    }
    return out;
}

Result<std::monostate> Rotation::resume(Loaded loaded)
{
    if (isBusy())
        return Error { u"another step of this rotation is still running"_s, {}, u"busy"_s };
    Result<FileLock> lock = FileLock::tryLock(RotationState::lockPathFor(loaded.state.id, m_settings.stateDir));
    if (!lock.ok())
        return Error { u"another process drives this rotation: "_s + lock.error().text(), {}, u"locked"_s };
    m_lock = std::move(lock).value();
    m_state = std::move(loaded.state);
    m_candidateSource.reset(); // committed from the state's own copy from now on
    for (Parsed& p : loaded.parsed)
        remember(std::move(p));
    m_candidate = certsOf(m_state.newBytes);
    if (Result<std::monostate> prepared = prepareDests(); !prepared.ok()) {
        m_lock.unlock();
        m_state = RotationState {};
        return prepared.error();
    }
    settlePending();
    return std::monostate {};
}

void Rotation::settleOne(const QString& id, std::function<void(bool)> next)
{
    // The destination itself says whether the write happened: it holds the intended bytes or not.
    dest(id)->committer->read([this, id, next](Result<DestinationContent> now) {
        DestinationState& d = dstate(id);
        if (d.pending.isEmpty())
            return next(true);
        if (!now.ok()) {
            // Still unknown: the intent stays, and the next command settles it.
            d.lastError = u"cannot tell whether the write to %1 happened: %2"_s.arg(id, now.error().text());
            fail(now.error().code.isEmpty() ? u"io"_s : now.error().code, d.lastError);
            save();
            return next(false);
        }
        const QString label = d.pending.value(u"label"_s).toString();
        const bool happened = now.value().sha256 == d.pending.value(u"sha256"_s).toString();
        if (happened) {
            d.history << CommittedVersion {
                label, now.value().sha256, now.value().version, true, d.pending.value(u"backup"_s).toString(), nowUtc()
            };
            d.phase = phaseFromName(d.pending.value(u"phase"_s).toString());
            d.confirmed = false;
        }
        audit(u"rotation-recovered"_s,
              QJsonObject { { u"rotationId"_s, m_state.id },
                            { u"destination"_s, id },
                            { u"label"_s, label },
                            { u"foundSha256"_s, now.value().sha256 },
                            { u"result"_s,
                              happened ? u"the interrupted write had happened"_s
                                       : u"the interrupted write had not happened"_s } });
        d.pending = {};
        save();
        next(true);
    });
}

void Rotation::settlePending()
{
    // Writes a crash interrupted.
    std::vector<Step> steps;
    for (const DestinationState& ds : std::as_const(m_state.destinations)) {
        if (ds.pending.isEmpty())
            continue;
        const QString id = ds.id;
        steps.push_back([this, id](std::function<void(bool)> next) { settleOne(id, [next](bool) { next(true); }); });
    }
    if (steps.empty())
        return;
    if (!begin(u"resume"_s))
        return;
    runSteps(std::move(steps), [this] { end(); });
}

Rotation::Allowed Rotation::allowed(const QString& destinationId) const
{
    Allowed a;
    const DestinationState* d = m_state.destination(destinationId);
    if (!d) {
        a.commitWhy = a.retireWhy = a.rollbackWhy = a.confirmWhy = u"not part of this rotation"_s;
        return a;
    }
    const QString busy = m_busy ? u"a step is running"_s : QString();
    a.commit = !m_busy && (d->phase == Phase::Staged || d->phase == Phase::RolledBack);
    a.commitWhy
        = a.commit ? QString() : (busy.isEmpty() ? u"already committed (phase %1)"_s.arg(phaseName(d->phase)) : busy);
    for (const DestinationOutcome& p : m_previews) {
        if (p.destination == destinationId && a.commit && !p.violations.isEmpty()
            && !policy::checkOverrideReason(m_settings.overrideReason).isEmpty()) {
            QStringList rules;
            for (const Violation& v : p.violations)
                rules << v.rule;
            a.commit = false;
            a.commitWhy = u"blocked by %1 (override with a typed reason)"_s.arg(rules.join(u", "_s));
        }
    }
    a.retire = !m_busy && d->phase == Phase::Overlap;
    a.retireWhy = a.retire
        ? QString()
        : (busy.isEmpty() ? u"only an overlap can be retired (phase %1)"_s.arg(phaseName(d->phase)) : busy);
    a.rollback = !m_busy && d->phase != Phase::Staged && d->phase != Phase::RolledBack;
    a.rollbackWhy = a.rollback ? QString() : (busy.isEmpty() ? u"nothing committed to roll back"_s : busy);
    a.confirm = !m_busy && d->history.size() > 1;
    a.confirmWhy = a.confirm ? QString() : (busy.isEmpty() ? u"nothing committed to confirm"_s : busy);
    return a;
}

} // namespace certrotor::rotation
