package postgres_test

func childWorker() int { return 0 }
