"""What we draw and write for people and machines: QR codes, labels, PDFs, spreadsheet exports."""
