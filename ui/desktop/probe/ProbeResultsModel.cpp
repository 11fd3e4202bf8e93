// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbeResultsModel.h"

#include "UiStyle.h"

#include <QColor>

namespace certrotor::gui {

namespace {

/// A row's status light, in the console's tones (UiStyle): the colours the verdict strip uses.
QColor stateColor(ProbeResultsModel::State state)
{
    switch (state) {
    case ProbeResultsModel::State::Running:
        return toneBackground(Tone::Info);
    case ProbeResultsModel::State::Passed:
        return toneBackground(Tone::Success);
    case ProbeResultsModel::State::Failed:
        return toneBackground(Tone::Error);
    case ProbeResultsModel::State::Cancelled:
        return accentColor(Accent::Muted);
    }
    return {};
}

QString anchorName(const Certificate& anchor)
{
    if (anchor.isNull())
        return {};
    const auto& s = anchor.info().subject;
    return s.commonName.isEmpty() ? s.rfc4514 : s.commonName;
}

} // namespace

ProbeResultsModel::ProbeResultsModel(QObject* parent) : QAbstractTableModel(parent) { }

QString ProbeResultsModel::stateName(State state)
{
    switch (state) {
    case State::Running:
        return tr("running");
    case State::Passed:
        return tr("passed");
    case State::Failed:
        return tr("failed");
    case State::Cancelled:
        return tr("cancelled");
    }
    return {};
}

int ProbeResultsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ProbeResultsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

ProbeResultsModel::State ProbeResultsModel::state(int row) const
{
    const Row& r = m_rows.at(row);
    if (!r.done)
        return State::Running;
    if (r.result.cancelled)
        return State::Cancelled;
    return r.result.ok ? State::Passed : State::Failed;
}

bool ProbeResultsModel::hasResult(int row) const
{
    return row >= 0 && row < m_rows.size() && m_rows.at(row).done;
}

QVariant ProbeResultsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const Row& row = m_rows.at(index.row());
    const ProbeResult& r = row.result;
    const State st = state(index.row());
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TargetColumn:
            return QString(
                r.target.address()
                + (r.target.serverName.isEmpty() ? QString() : QString(QStringLiteral(" → ") + r.target.serverName))
                + (r.target.service.isEmpty() ? QString()
                                              : QString(QStringLiteral(" (") + r.target.service + QLatin1Char(')'))));
        case BundleColumn:
            return r.bundleName;
        case StatusColumn:
            return stateName(st);
        case StageColumn:
            return row.done && !r.cancelled ? ProbeResult::stageName(r.stage) : QString();
        case ErrorColumn:
            return r.error.section(QLatin1Char('\n'), 0, 0);
        case TlsColumn:
            return r.tlsVersion;
        case AlpnColumn:
            return r.alpn;
        case AnchorColumn:
            return anchorName(r.anchor);
        case TotalMsColumn:
            return row.done && r.timings.totalMs >= 0 ? QString::number(r.timings.totalMs, 'f', 1) : QString();
        }
        return {};
    }
    if (role == Qt::DecorationRole && index.column() == StatusColumn)
        return statusLight(stateColor(st));
    if (role == Qt::ToolTipRole) {
        if (index.column() == ErrorColumn && !r.error.isEmpty())
            return r.error;
        if (index.column() == AnchorColumn && !r.anchor.isNull())
            return QString(r.anchor.info().subject.rfc4514 + QStringLiteral("\nSHA-256 ")
                           + r.anchor.info().sha256Hex());
        if (row.done && !r.cancelled)
            return r.summary();
        return {};
    }
    if (role == Qt::TextAlignmentRole && index.column() == TotalMsColumn)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::AccessibleTextRole && index.column() == StatusColumn)
        return stateName(st);
    return {};
}

QVariant ProbeResultsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TargetColumn:
        return tr("Target");
    case BundleColumn:
        return tr("Bundle");
    case StatusColumn:
        return tr("Status");
    case StageColumn:
        return tr("Stage");
    case ErrorColumn:
        return tr("Error");
    case TlsColumn:
        return tr("TLS");
    case AlpnColumn:
        return tr("ALPN");
    case AnchorColumn:
        return tr("Anchor");
    case TotalMsColumn:
        return tr("Total ms");
    }
    return {};
}

void ProbeResultsModel::startPlan(const QList<ProbeTarget>& targets, const QStringList& bundleNames)
{
    beginResetModel();
    m_rows.clear();
    m_finished = 0;
    for (const QString& bundle : bundleNames) {
        for (const ProbeTarget& t : targets) {
            Row row;
            row.result.target = t;
            row.result.bundleName = bundle;
            m_rows << row;
        }
    }
    endResetModel();
}

void ProbeResultsModel::setResult(int row, const ProbeResult& result)
{
    if (row < 0 || row >= m_rows.size())
        return;
    if (!m_rows[row].done)
        ++m_finished;
    m_rows[row].result = result;
    m_rows[row].done = true;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

void ProbeResultsModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_finished = 0;
    endResetModel();
}

} // namespace certrotor::gui
