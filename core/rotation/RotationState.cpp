// SPDX-License-Identifier: GPL-3.0-or-later
#include "rotation/RotationState.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTimeZone>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace certrotor::rotation {

namespace {

QString iso(const QDateTime& t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QDateTime fromIso(const QJsonValue& v)
{
    const QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    return t.isValid() ? t.toUTC() : t;
}

QString bytesText(const QByteArray& b)
{
    return QString::fromLatin1(b.toBase64());
}

QByteArray textBytes(const QJsonValue& v)
{
    return QByteArray::fromBase64(v.toString().toLatin1());
}

} // namespace

QString phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Staged:
        return u"staged"_s;
    case Phase::Overlap:
        return u"overlap"_s;
    case Phase::Retired:
        return u"retired"_s;
    case Phase::Replaced:
        return u"replaced"_s;
    case Phase::RolledBack:
        return u"rolled-back"_s;
    }
    return {};
}

Phase phaseFromName(const QString& name, bool* ok)
{
    for (Phase p : { Phase::Staged, Phase::Overlap, Phase::Retired, Phase::Replaced, Phase::RolledBack }) {
        if (phaseName(p) == name) {
            if (ok)
                *ok = true;
            return p;
        }
    }
    if (ok)
        *ok = false;
    return Phase::Staged;
}

QJsonObject TargetStatus::toJson() const
{
    QJsonObject o {
        { u"target"_s, target }, { u"ok"_s, ok }, { u"anchoredBy"_s, anchoredBy }, { u"attempts"_s, attempts }
    };
    if (!anchorSubject.isEmpty())
        o.insert(u"anchorSubject"_s, anchorSubject);
    if (!anchorSha256.isEmpty())
        o.insert(u"anchorSha256"_s, anchorSha256);
    if (timeToTrustMs >= 0)
        o.insert(u"timeToTrustMs"_s, qRound64(timeToTrustMs * 10) / 10.0);
    if (!error.isEmpty())
        o.insert(u"error"_s, error);
    if (!probeId.isEmpty())
        o.insert(u"probeId"_s, probeId);
    return o;
}

TargetStatus TargetStatus::fromJson(const QJsonObject& o)
{
    TargetStatus t;
    t.target = o.value(u"target"_s).toString();
    t.ok = o.value(u"ok"_s).toBool();
    t.anchoredBy = o.value(u"anchoredBy"_s).toString();
    t.anchorSubject = o.value(u"anchorSubject"_s).toString();
    t.anchorSha256 = o.value(u"anchorSha256"_s).toString();
    t.timeToTrustMs = o.value(u"timeToTrustMs"_s).toDouble(-1);
    t.attempts = o.value(u"attempts"_s).toInt();
    t.error = o.value(u"error"_s).toString();
    t.probeId = o.value(u"probeId"_s).toString();
    return t;
}

QJsonObject CommittedVersion::toJson() const
{
    QJsonObject o { { u"label"_s, label },
                    { u"sha256"_s, sha256 },
                    { u"version"_s, version },
                    { u"exists"_s, exists },
                    { u"at"_s, iso(at) } };
    if (!backup.isEmpty())
        o.insert(u"backup"_s, backup);
    return o;
}

CommittedVersion CommittedVersion::fromJson(const QJsonObject& o)
{
    CommittedVersion v;
    v.label = o.value(u"label"_s).toString();
    v.sha256 = o.value(u"sha256"_s).toString();
    v.version = o.value(u"version"_s).toString();
    v.exists = o.value(u"exists"_s).toBool(true);
    v.backup = o.value(u"backup"_s).toString();
    v.at = fromIso(o.value(u"at"_s));
    return v;
}

QJsonObject DestinationState::toJson() const
{
    QJsonArray h, ts;
    for (const CommittedVersion& v : history)
        h.append(v.toJson());
    for (const TargetStatus& t : targetStatus)
        ts.append(t.toJson());
    QJsonObject o { { u"id"_s, id },
                    { u"wave"_s, wave },
                    { u"waveName"_s, waveName },
                    { u"targets"_s, QJsonArray::fromStringList(targets) },
                    { u"confirmDeadlineMs"_s, confirmDeadlineMs },
                    { u"phase"_s, phaseName(phase) },
                    { u"confirmed"_s, confirmed },
                    { u"originalBytes"_s, bytesText(originalBytes) },
                    { u"overlapBytes"_s, bytesText(overlapBytes) },
                    { u"history"_s, h },
                    { u"targetStatus"_s, ts },
                    { u"lastVerdict"_s, lastVerdict },
                    { u"lastError"_s, lastError },
                    { u"updatedAt"_s, iso(updatedAt) } };
    if (!pending.isEmpty())
        o.insert(u"pending"_s, pending);
    return o;
}

DestinationState DestinationState::fromJson(const QJsonObject& o)
{
    DestinationState d;
    d.id = o.value(u"id"_s).toString();
    d.wave = o.value(u"wave"_s).toInt();
    d.waveName = o.value(u"waveName"_s).toString();
    for (const QJsonValue& t : o.value(u"targets"_s).toArray())
        d.targets << t.toString();
    d.confirmDeadlineMs = o.value(u"confirmDeadlineMs"_s).toInt(-1);
    d.phase = phaseFromName(o.value(u"phase"_s).toString());
    d.confirmed = o.value(u"confirmed"_s).toBool();
    d.originalBytes = textBytes(o.value(u"originalBytes"_s));
    d.overlapBytes = textBytes(o.value(u"overlapBytes"_s));
    for (const QJsonValue& v : o.value(u"history"_s).toArray())
        d.history << CommittedVersion::fromJson(v.toObject());
    for (const QJsonValue& v : o.value(u"targetStatus"_s).toArray())
        d.targetStatus << TargetStatus::fromJson(v.toObject());
    d.pending = o.value(u"pending"_s).toObject();
    d.lastVerdict = o.value(u"lastVerdict"_s).toString();
    d.lastError = o.value(u"lastError"_s).toString();
    d.updatedAt = fromIso(o.value(u"updatedAt"_s));
    return d;
}

bool RotationState::isClosed() const
{
    if (destinations.isEmpty())
        return true;
    return std::all_of(destinations.begin(), destinations.end(), [](const DestinationState& d) {
        return d.pending.isEmpty()
            && (d.phase == Phase::Retired || d.phase == Phase::Replaced || d.phase == Phase::RolledBack);
    });
}

DestinationState* RotationState::destination(const QString& destId)
{
    for (DestinationState& d : destinations) {
        if (d.id == destId)
            return &d;
    }
    return nullptr;
}

const DestinationState* RotationState::destination(const QString& destId) const
{
    // Never through the non-const overload: that would detach a list a save snapshot shares.
    for (const DestinationState& d : destinations) {
        if (d.id == destId)
            return &d;
    }
    return nullptr;
}

QJsonObject RotationState::toJson() const
{
    QJsonArray ds;
    for (const DestinationState& d : destinations)
        ds.append(d.toJson());
    return QJsonObject { { u"format"_s, kFormat },
                         { u"id"_s, id },
                         { u"mode"_s, mode },
                         { u"createdAt"_s, iso(createdAt) },
                         { u"updatedAt"_s, iso(updatedAt) },
                         { u"candidateName"_s, candidateName },
                         { u"candidateSha256"_s, candidateSha256 },
                         { u"newBytes"_s, bytesText(newBytes) },
                         { u"planPath"_s, planPath },
                         { u"waveNames"_s, QJsonArray::fromStringList(waveNames) },
                         { u"drill"_s, drill },
                         { u"destinations"_s, ds } };
}

Result<RotationState> RotationState::fromJson(const QJsonObject& o, const QString& where)
{
    if (o.value(u"format"_s).toInt() != kFormat)
        return Error { u"not a rotation state file of format %1"_s.arg(kFormat), where };
    RotationState s;
    s.id = o.value(u"id"_s).toString();
    s.mode = o.value(u"mode"_s).toString();
    s.createdAt = fromIso(o.value(u"createdAt"_s));
    s.updatedAt = fromIso(o.value(u"updatedAt"_s));
    s.candidateName = o.value(u"candidateName"_s).toString();
    s.candidateSha256 = o.value(u"candidateSha256"_s).toString();
    s.newBytes = textBytes(o.value(u"newBytes"_s));
    s.planPath = o.value(u"planPath"_s).toString();
    for (const QJsonValue& w : o.value(u"waveNames"_s).toArray())
        s.waveNames << w.toString();
    s.drill = o.value(u"drill"_s).toBool();
    for (const QJsonValue& d : o.value(u"destinations"_s).toArray())
        s.destinations << DestinationState::fromJson(d.toObject());
    if (s.id.isEmpty() || s.destinations.isEmpty())
        return Error { u"the rotation state has no id or no destination"_s, where };
    for (const DestinationState& d : std::as_const(s.destinations)) {
        if (d.id.isEmpty() || d.history.isEmpty())
            return Error { u"a destination of the rotation has no id or no history"_s, where };
    }
    return s;
}

QString RotationState::stateDir()
{
    const QString env = qEnvironmentVariable("CERTROTOR_STATE_DIR");
    if (!env.isEmpty())
        return env;
    QString base = qEnvironmentVariable("XDG_STATE_HOME");
    if (base.isEmpty())
        base = QDir::homePath() + u"/.local/state"_s;
    return base + u"/certrotor/rotations"_s;
}

QString RotationState::idFor(const QStringList& destinationIds)
{
    QStringList sorted = destinationIds;
    sorted.sort();
    const QByteArray h = QCryptographicHash::hash(sorted.join(u'\n').toUtf8(), QCryptographicHash::Sha256);
    return QString::fromLatin1(h.toHex().left(16));
}

QString RotationState::pathFor(const QString& rotationId, const QString& dir)
{
    return (dir.isEmpty() ? stateDir() : dir) + u'/' + rotationId + u".json"_s;
}

QString RotationState::lockPathFor(const QString& rotationId, const QString& dir)
{
    return (dir.isEmpty() ? stateDir() : dir) + u'/' + rotationId + u".lock"_s;
}

Result<RotationState> RotationState::load(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return Error { u"cannot read the rotation state: "_s + f.errorString(), path };
    QJsonParseError pe {};
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return Error { u"the rotation state is not valid JSON (offset %1: %2)"_s.arg(pe.offset).arg(pe.errorString()),
                       path };
    return fromJson(doc.object(), path);
}

Result<std::monostate> RotationState::save(const QString& path) const
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile::setPermissions(QFileInfo(path).absolutePath(),
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return atomicWriteFile(path, QJsonDocument(toJson()).toJson(QJsonDocument::Indented), 0600);
}

QList<Result<RotationState>> RotationState::loadAll(const QString& dir)
{
    const QString d = dir.isEmpty() ? stateDir() : dir;
    QList<QPair<QDateTime, Result<RotationState>>> found;
    const QFileInfoList files = QDir(d).entryInfoList({ u"*.json"_s }, QDir::Files);
    for (const QFileInfo& fi : files) {
        Result<RotationState> s = load(fi.absoluteFilePath());
        const QDateTime when = s.ok() ? s.value().updatedAt : fi.lastModified().toUTC();
        found.append({ when, std::move(s) });
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    QList<Result<RotationState>> out;
    for (auto& f : found)
        out.append(std::move(f.second));
    return out;
}

Result<RotationState> RotationState::findOpen(const QString& destinationId, const QString& dir)
{
    for (Result<RotationState>& s : loadAll(dir)) {
        if (s.ok() && !s.value().isClosed() && s.value().destination(destinationId))
            return std::move(s).value();
    }
    return Error { u"no open rotation holds this destination (see certrotor-cli rotate status)"_s, destinationId,
                   u"not-found"_s };
}

} // namespace certrotor::rotation

namespace certrotor::rotation {

Result<RotationState> RotationState::findLatest(const QString& destinationId, const QString& dir)
{
    Result<RotationState> open = findOpen(destinationId, dir);
    if (open.ok())
        return open;
    for (Result<RotationState>& s : loadAll(dir)) {
        if (s.ok() && s.value().destination(destinationId))
            return std::move(s).value();
    }
    // A closed rotation archived when a newer one over the same stores was staged (and never committed).
    for (Result<RotationState>& s : loadAll((dir.isEmpty() ? stateDir() : dir) + u"/closed"_s)) {
        if (s.ok() && s.value().destination(destinationId))
            return std::move(s).value();
    }
    return Error { u"no rotation holds this destination (see certrotor-cli rotate status)"_s, destinationId,
                   u"not-found"_s };
}

Result<std::monostate> RotationState::archive(const QString& rotationId, const QString& dir)
{
    const QString path = pathFor(rotationId, dir);
    if (!QFile::exists(path))
        return std::monostate {};
    const QString archiveDir = (dir.isEmpty() ? stateDir() : dir) + u"/closed"_s;
    if (!QDir().mkpath(archiveDir))
        return Error { u"cannot create the archive directory"_s, archiveDir, u"io"_s };
    const QString target = archiveDir + u'/' + rotationId + u'-'
        + QDateTime::currentDateTimeUtc().toString(u"yyyyMMddTHHmmsszzz"_s) + u".json"_s;
    if (!QFile::rename(path, target))
        return Error { u"cannot move the closed rotation's state to "_s + target, path, u"io"_s };
    (void)syncDirectory(archiveDir);
    (void)syncDirectory(QFileInfo(path).absolutePath());
    return std::monostate {};
}

} // namespace certrotor::rotation
