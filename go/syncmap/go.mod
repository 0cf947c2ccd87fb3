module syncmap

go 1.23
