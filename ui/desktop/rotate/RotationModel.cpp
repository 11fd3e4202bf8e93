// SPDX-License-Identifier: GPL-3.0-or-later
#include "RotationModel.h"

#include "UiStyle.h"

#include <QColor>
#include <QFileInfo>

#include <algorithm>

namespace certrotor::gui {

using rotation::DestinationState;
using rotation::Phase;
using rotation::TargetStatus;

namespace {

QString formatMs(double ms)
{
    if (ms < 0)
        return QStringLiteral("—");
    if (ms < 10000)
        return QStringLiteral("%1 ms").arg(qRound(ms));
    return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 1);
}

/// "HOST:PORT" of a target as given ("HOST:PORT;servername=…" or "HOST:PORT NAME").
QString targetKey(const QString& spec)
{
    QString key = spec.section(QLatin1Char(';'), 0, 0);
    return key.section(QLatin1Char(' '), 0, 0).trimmed();
}

} // namespace

RotationModel::RotationModel(QObject* parent) : QAbstractTableModel(parent) { }

void RotationModel::setState(const rotation::RotationState& state, const QHash<int, QString>& waveLabels,
                             const QHash<QString, QString>& problems)
{
    QList<DestinationState> rows = state.destinations;
    std::stable_sort(rows.begin(), rows.end(),
                     [](const DestinationState& a, const DestinationState& b) { return a.wave < b.wave; });
    const bool sameShape = rows.size() == m_rows.size()
        && std::equal(rows.cbegin(), rows.cend(), m_rows.cbegin(),
                      [](const DestinationState& a, const DestinationState& b) { return a.id == b.id; });
    if (!sameShape)
        beginResetModel();
    m_rows = rows;
    m_waveLabels = waveLabels;
    m_problems = problems;
    if (!sameShape)
        endResetModel();
    else if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
}

void RotationModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_problems.clear();
    endResetModel();
}

const DestinationState* RotationModel::destinationAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

int RotationModel::rowOf(const QString& destinationId) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).id == destinationId)
            return i;
    }
    return -1;
}

int RotationModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RotationModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString RotationModel::phaseText(Phase phase)
{
    switch (phase) {
    case Phase::Staged:
        return tr("staged");
    case Phase::Overlap:
        return tr("overlap (old + new)");
    case Phase::Retired:
        return tr("retired (new only)");
    case Phase::Replaced:
        return tr("replaced (new only)");
    case Phase::RolledBack:
        return tr("rolled back");
    }
    return {};
}

double RotationModel::timeToTrustMs(const DestinationState& d)
{
    double worst = -1;
    for (const TargetStatus& t : d.targetStatus)
        worst = std::max(worst, t.timeToTrustMs);
    return worst;
}

QVariant RotationModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const DestinationState& d = m_rows.at(index.row());
    const QString problem = m_problems.value(d.id, d.lastError);
    if (role == DestinationIdRole)
        return d.id;
    if (role == WaveRole)
        return d.wave;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case WaveColumn:
            return m_waveLabels.value(d.wave, QString::number(d.wave + 1));
        case DestinationColumn:
            return d.id.contains(QLatin1String("://")) ? d.id : QFileInfo(d.id).fileName();
        case PhaseColumn:
            return phaseText(d.phase);
        case ConfirmedColumn:
            if (d.phase == Phase::Staged)
                return QStringLiteral("—");
            return d.confirmed ? tr("yes") : tr("not yet");
        case VerdictColumn:
            return d.lastVerdict;
        case TimeToTrustColumn:
            return formatMs(timeToTrustMs(d));
        case ProblemColumn:
            return problem;
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        if (index.column() == DestinationColumn)
            return d.id;
        if (index.column() == ProblemColumn || index.column() == VerdictColumn)
            return index.column() == ProblemColumn ? problem : d.lastVerdict;
    }
    if (role == Qt::DecorationRole && index.column() == PhaseColumn) {
        if (!problem.isEmpty())
            return statusLight(urgencyBackground(Urgency::Expired));
        if (d.phase != Phase::Staged && !d.confirmed)
            return statusLight(urgencyBackground(Urgency::Soon));
        return statusLight(urgencyBackground(Urgency::Fine));
    }
    return {};
}

QVariant RotationModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case WaveColumn:
        return tr("Wave");
    case DestinationColumn:
        return tr("Destination");
    case PhaseColumn:
        return tr("Phase");
    case ConfirmedColumn:
        return tr("Confirmed");
    case VerdictColumn:
        return tr("Last verdict");
    case TimeToTrustColumn:
        return tr("Time to trust");
    case ProblemColumn:
        return tr("Conflict / problem");
    default:
        return {};
    }
}

// --- TargetStatusModel -----------------------------------------------------------------------------

TargetStatusModel::TargetStatusModel(QObject* parent) : QAbstractTableModel(parent) { }

void TargetStatusModel::setTargets(const QStringList& targets, const QList<TargetStatus>& statuses)
{
    beginResetModel();
    m_rows.clear();
    for (const QString& spec : targets) {
        TargetStatus row;
        row.target = targetKey(spec);
        for (const TargetStatus& s : statuses) {
            if (s.target == row.target)
                row = s;
        }
        m_rows << row;
    }
    for (const TargetStatus& s : statuses) {
        if (std::none_of(m_rows.cbegin(), m_rows.cend(), [&](const TargetStatus& r) { return r.target == s.target; }))
            m_rows << s;
    }
    endResetModel();
}

void TargetStatusModel::update(const TargetStatus& status)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).target == status.target) {
            m_rows[i] = status;
            Q_EMIT dataChanged(index(i, 0), index(i, ColumnCount - 1));
            return;
        }
    }
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size()));
    m_rows << status;
    endInsertRows();
}

const TargetStatus* TargetStatusModel::statusAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? &m_rows.at(row) : nullptr;
}

int TargetStatusModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int TargetStatusModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString TargetStatusModel::anchorText(const TargetStatus& s)
{
    QString side;
    if (s.anchoredBy == QLatin1String("old"))
        side = tr("old CA");
    else if (s.anchoredBy == QLatin1String("new"))
        side = tr("new CA");
    else if (s.anchoredBy == QLatin1String("both"))
        side = tr("kept CA");
    else if (s.anchoredBy == QLatin1String("other"))
        side = tr("another CA");
    else
        return QStringLiteral("—");
    return s.anchorSubject.isEmpty() ? side : side + QStringLiteral(" (") + s.anchorSubject + QLatin1Char(')');
}

QVariant TargetStatusModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const TargetStatus& s = m_rows.at(index.row());
    const bool probed = s.attempts > 0 || !s.probeId.isEmpty() || !s.error.isEmpty() || s.ok;
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TargetColumn:
            return s.target;
        case StatusColumn:
            return !probed ? tr("not probed") : s.ok ? tr("verifies") : tr("fails");
        case AnchorColumn:
            return anchorText(s);
        case TimeToTrustColumn:
            return formatMs(s.timeToTrustMs);
        case AttemptsColumn:
            return s.attempts;
        case ErrorColumn:
            return s.error;
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole && index.column() == ErrorColumn)
        return s.error;
    if (role == Qt::DecorationRole && index.column() == StatusColumn && probed)
        return statusLight(urgencyBackground(s.ok ? Urgency::Fine : Urgency::Expired));
    return {};
}

QVariant TargetStatusModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TargetColumn:
        return tr("Target");
    case StatusColumn:
        return tr("Status");
    case AnchorColumn:
        return tr("Anchored by");
    case TimeToTrustColumn:
        return tr("Time to trust");
    case AttemptsColumn:
        return tr("Attempts");
    case ErrorColumn:
        return tr("Last error");
    default:
        return {};
    }
}

} // namespace certrotor::gui
