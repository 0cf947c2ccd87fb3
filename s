## 1024 keys, 1 thread1

| workload |## 1024 keys, 2 thread2

| workload |## 131072 keys, 1 thread1

| workload |## 131072 keys, 2 thread2

| workload |