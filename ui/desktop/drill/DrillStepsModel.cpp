// SPDX-License-Identifier: GPL-3.0-or-later
#include "DrillStepsModel.h"

#include "UiStyle.h"

namespace certrotor::gui {

DrillStepsModel::DrillStepsModel(QObject* parent) : QAbstractTableModel(parent) { }

void DrillStepsModel::setPlan(const QList<drill::Step>& steps)
{
    beginResetModel();
    m_steps = steps;
    m_states = QList<State>(steps.size(), State::Pending);
    m_ended = false;
    endResetModel();
}

int DrillStepsModel::rowOf(const QString& id) const
{
    for (int i = 0; i < m_steps.size(); ++i) {
        if (m_steps.at(i).id == id)
            return i;
    }
    return -1;
}

void DrillStepsModel::changed(int row)
{
    if (row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void DrillStepsModel::markRunning(const QString& id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_states[row] = State::Running;
    changed(row);
}

void DrillStepsModel::markWaiting(const QString& id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    m_states[row] = State::Waiting;
    changed(row);
}

void DrillStepsModel::finish(const drill::Step& step)
{
    int row = rowOf(step.id);
    if (row < 0) {
        row = int(m_steps.size());
        beginInsertRows({}, row, row);
        m_steps << step;
        m_states << State::Pending;
        endInsertRows();
    }
    m_steps[row] = step;
    m_states[row] = step.ok ? State::Passed : State::Failed;
    changed(row);
}

void DrillStepsModel::endRun()
{
    m_ended = true;
    for (int i = 0; i < m_states.size(); ++i) {
        if (m_states.at(i) == State::Running || m_states.at(i) == State::Waiting)
            m_states[i] = State::Pending;
    }
    if (!m_steps.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_steps.size()) - 1, ColumnCount - 1));
}

DrillStepsModel::State DrillStepsModel::state(int row) const
{
    return row >= 0 && row < m_states.size() ? m_states.at(row) : State::Pending;
}

const drill::Step* DrillStepsModel::stepAt(int row) const
{
    return row >= 0 && row < m_steps.size() ? &m_steps.at(row) : nullptr;
}

int DrillStepsModel::passedCount() const
{
    return int(std::count(m_states.cbegin(), m_states.cend(), State::Passed));
}

int DrillStepsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_steps.size());
}

int DrillStepsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant DrillStepsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_steps.size())
        return {};
    const drill::Step& s = m_steps.at(index.row());
    const State st = m_states.at(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NumberColumn:
            return index.row() + 1;
        case StepColumn:
            return s.title;
        case VerdictColumn:
            switch (st) {
            case State::Pending:
                return m_ended ? tr("not run") : tr("to do");
            case State::Running:
                return tr("running…");
            case State::Waiting:
                return tr("next: waiting for you");
            case State::Passed:
                return tr("as expected");
            case State::Failed:
                return tr("NOT as expected");
            }
            return {};
        case ExpectedColumn:
            return s.expected;
        case ObservedColumn:
            return s.observed;
        case DurationColumn:
            return st == State::Passed || st == State::Failed ? QStringLiteral("%1 ms").arg(s.durationMs) : QString();
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole && (index.column() == ExpectedColumn || index.column() == ObservedColumn))
        return index.column() == ExpectedColumn ? s.expected : s.observed;
    if (role == Qt::DecorationRole && index.column() == VerdictColumn) {
        if (st == State::Passed)
            return statusLight(urgencyBackground(Urgency::Fine));
        if (st == State::Failed)
            return statusLight(urgencyBackground(Urgency::Expired));
        if (st == State::Running || st == State::Waiting)
            return statusLight(urgencyBackground(Urgency::Soon));
    }
    return {};
}

QVariant DrillStepsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NumberColumn:
        return QStringLiteral("#");
    case StepColumn:
        return tr("Step");
    case VerdictColumn:
        return tr("Verdict");
    case ExpectedColumn:
        return tr("What must happen");
    case ObservedColumn:
        return tr("What happened");
    case DurationColumn:
        return tr("Took");
    default:
        return {};
    }
}

} // namespace certrotor::gui
