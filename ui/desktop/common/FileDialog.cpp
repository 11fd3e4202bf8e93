// SPDX-License-Identifier: GPL-3.0-or-later
#include "FileDialog.h"

#include <QFileDialog>
#include <QFileInfo>

namespace certrotor::gui {

FileDialog* FileDialog::instance()
{
    static FileDialog dialog;
    return &dialog;
}

void FileDialog::setNextFileName(const QString& name)
{
    m_hasNext = true;
    m_next = name;
}

bool FileDialog::takeNext(QString& name)
{
    if (!m_hasNext)
        return false;
    m_hasNext = false;
    name = std::exchange(m_next, QString());
    return true;
}

QString FileDialog::getOpenFileName(QWidget* parent, const QString& caption, const QString& filter)
{
    QString name;
    if (takeNext(name))
        return name;
    name = QFileDialog::getOpenFileName(parent, caption, m_lastDir, filter);
    if (!name.isEmpty())
        m_lastDir = QFileInfo(name).absolutePath();
    return name;
}

QString FileDialog::getSaveFileName(QWidget* parent, const QString& caption, const QString& filter)
{
    QString name;
    if (takeNext(name))
        return name;
    name = QFileDialog::getSaveFileName(parent, caption, m_lastDir, filter);
    if (!name.isEmpty())
        m_lastDir = QFileInfo(name).absolutePath();
    return name;
}

QString FileDialog::getExistingDirectory(QWidget* parent, const QString& caption)
{
    QString name;
    if (takeNext(name))
        return name;
    name = QFileDialog::getExistingDirectory(parent, caption, m_lastDir);
    if (!name.isEmpty())
        m_lastDir = name;
    return name;
}

} // namespace certrotor::gui
