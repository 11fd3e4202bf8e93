// SPDX-License-Identifier: GPL-3.0-or-later
#include "rotation/Workspace.h"

#include "audit/AuditLog.h"
#include "rotation/RotationState.h"
#include "sources/FileSource.h"
#include "util/AsyncTask.h"
#include "util/Clock.h"

#include <QLoggingCategory>

using namespace Qt::StringLiterals;

namespace certrotor {

namespace {

Q_LOGGING_CATEGORY(lcWorkspace, "certrotor.workspace", QtInfoMsg)

bool sameContent(const std::shared_ptr<const Bundle>& a, const std::shared_ptr<const Bundle>& b)
{
    return (!a && !b) || (a && b && a->contentSha256 == b->contentSha256);
}

} // namespace

Workspace::Workspace(const Clock& clock, QObject* parent)
    : QObject(parent), m_clock(clock), m_cache(std::make_shared<BundleCache>(64)),
      m_storeFiles(new TrustStoreProvider(m_cache, this)), m_sources(new TrustStoreProvider(m_cache, this))
{
    connect(m_storeFiles, &TrustStoreProvider::changed, this,
            [this](const QString& path) { Q_EMIT storeFileChanged(path, m_storeFiles->update(path)); });
    connect(m_sources, &TrustStoreProvider::changed, this,
            [this](const QString& id) { Q_EMIT sourceUpdated(id, m_sources->update(id)); });
    connect(m_sources, &TrustStoreProvider::sourceStatusChanged, this, &Workspace::sourceStatusChanged);
}

Workspace::~Workspace() = default;

void Workspace::setDebounceMs(int ms)
{
    m_debounceMs = ms;
    for (TrustStoreProvider* provider : { m_storeFiles, m_sources }) {
        for (const QString& id : provider->sourceIds()) {
            if (auto* file = qobject_cast<FileSource*>(provider->source(id)))
                file->setDebounceMs(ms);
        }
    }
}

void Workspace::watchStore(const QString& path)
{
    auto* watcher = new FileSource(path);
    if (m_storeFiles->source(watcher->id())) {
        delete watcher;
        return;
    }
    watcher->setDebounceMs(m_debounceMs);
    m_storeFiles->addSource(watcher);
}

void Workspace::setCurrentStore(std::shared_ptr<const Bundle> bundle, const QString& path)
{
    const bool same = sameContent(bundle, m_current.bundle);
    m_current = { std::move(bundle), path };
    Q_EMIT currentStoreChanged(!same);
}

bool Workspace::addSource(Source* source)
{
    if (auto* file = qobject_cast<FileSource*>(source))
        file->setDebounceMs(m_debounceMs);
    if (!m_sources->addSource(source)) {
        delete source;
        return false;
    }
    qCInfo(lcWorkspace) << "watching" << m_sources->sourceIds().constLast();
    return true;
}

void Workspace::analyzeIncoming(const QString& sourceId)
{
    Source* source = m_sources->source(sourceId);
    if (!source)
        return;
    const SourceUpdate update = m_sources->update(sourceId);
    if (!update.bundle || update.bundle->hasErrors())
        return;
    const quint64 seq = ++m_analysisSeq;
    const qint64 now = m_clock.nowSecs();
    const int threshold = m_expiryWarningDays;
    runThenCallback(
        this,
        [store = m_current.bundle, incoming = update.bundle, now, threshold]() {
            return certrotor::analyzeIncoming(store, incoming, now, threshold);
        },
        [this, seq, sourceId, name = source->displayName(), revision = update.revision](IncomingAnalysis analysis) {
            if (seq != m_analysisSeq)
                return; // a newer delivery is being analysed
            analysis.sourceId = sourceId;
            analysis.sourceName = name;
            analysis.revision = revision;
            if (analysis.differs())
                setIncomingBundle(analysis.incoming, name);
            Q_EMIT incomingAnalyzed(analysis);
        });
}

void Workspace::setIncomingBundle(std::shared_ptr<const Bundle> bundle, const QString& label)
{
    const bool same = bundle && sameContent(bundle, m_incoming.bundle);
    m_incoming = { std::move(bundle), label };
    Q_EMIT candidateChanged(!same && !m_file.bundle);
}

void Workspace::setCandidateFile(std::shared_ptr<const Bundle> bundle, const QString& path)
{
    m_file = { std::move(bundle), path };
    Q_EMIT candidateChanged(true);
}

void Workspace::clearCandidateFile()
{
    if (!m_file.bundle)
        return;
    m_file = {};
    Q_EMIT candidateChanged(true);
}

ProbePlan* Workspace::newProbePlan(const QString& source, QList<ProbeTarget> targets, QList<PlanBundle> bundles,
                                   ProbePlan::Settings settings, QObject* owner)
{
    auto* plan = new ProbePlan(targets, bundles, std::move(settings), owner ? owner : this);
    connect(plan, &ProbePlan::finished, this, [this, plan, source, targets, bundles] {
        // The audit log: every probe that ran (its id is what the server logged as
        // x-certrotor-probe-id), then the plan with its verdict.
        // A refusal is reported through auditRefused; the run's result stands either way.
        m_lastResults = plan->results();
        m_lastVerdict = plan->verdict();
        for (const ProbeResult& r : std::as_const(m_lastResults)) {
            if (!r.probeId.isEmpty()) // never started (cancelled before its turn)
                static_cast<void>(record(audit::probe(r)));
        }
        static_cast<void>(record(audit::probePlan(source, targets, bundles, m_lastResults, m_lastVerdict)));
        Q_EMIT probeFinished(m_lastVerdict);
    });
    return plan;
}

void Workspace::resumeRotations(const rotation::Rotation::Settings& settings, std::function<void(QStringList)> done)
{
    runThenCallback(
        this, [dir = settings.stateDir] { return rotation::Rotation::loadOpen(dir); },
        [this, settings, done = std::move(done)](QList<Result<rotation::Rotation::Loaded>> loaded) {
            QStringList problems;
            for (Result<rotation::Rotation::Loaded>& l : loaded) {
                if (!l.ok()) {
                    problems << l.error().text();
                    continue;
                }
                const QString id = l.value().state.id;
                bool open = false;
                for (const auto& r : m_rotations)
                    open = open || r->state().id == id;
                if (open)
                    continue;
                auto r = std::make_unique<rotation::Rotation>(settings);
                const Result<std::monostate> resumed = r->resume(std::move(l).value());
                if (!resumed.ok()) {
                    problems << id + u": "_s + resumed.error().text();
                    continue;
                }
                m_rotations.push_back(std::move(r));
            }
            if (done)
                done(problems);
        });
}

QList<rotation::Rotation*> Workspace::rotations() const
{
    QList<rotation::Rotation*> out;
    for (const auto& r : m_rotations)
        out << r.get();
    return out;
}

void Workspace::setAuditLog(AuditLog* log)
{
    if (m_audit)
        disconnect(m_audit, nullptr, this, nullptr);
    m_audit = log;
    if (log) // emitted on the log's writer thread: queued to ours
        connect(log, &AuditLog::writeFailed, this, &Workspace::auditWriteFailed);
}

AuditLog* Workspace::auditLog() const
{
    return m_audit;
}

Result<std::monostate> Workspace::record(const audit::AuditRecord& record)
{
    if (!m_audit)
        return std::monostate {};
    // Returns at once: the record is written on the log's own thread.
    Result<std::monostate> added = m_audit->append(record);
    if (!added.ok())
        Q_EMIT auditRefused(added.error().text());
    return added;
}

} // namespace certrotor
